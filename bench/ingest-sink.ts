/**
 * The floor the repository's ingest is measured against (bench/server-ingest.ts): a bare node:http server that
 * reads each request body, writes it to a new file and fsyncs it before answering 201. That is the least any
 * repository that keeps what it acknowledges must do per request; everything the real one does on top (parse the
 * multipart body, hash, check the record, the database) shows as the distance to this.
 *
 * Runs as its own process, as the repository does: `node --import tsx bench/ingest-sink.ts <folder>` prints
 * `listening on <url>` once it accepts requests.
 */
import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const folder = process.argv[2];
if (!folder) throw new Error('Usage: ingest-sink.ts <folder>');

const server = createServer(async (request, response) => {
  try {
    const file = await open(join(folder, randomUUID()), 'wx');
    try {
      for await (const chunk of request as AsyncIterable<Buffer>) await file.write(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
    response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  } catch (error) {
    response.writeHead(500).end(String(error));
  }
});
server.listen(0, '127.0.0.1', () => {
  console.info(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
