import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DeclaredRecord } from '../../utils/records/record.ts';
import { uuidv7 } from '../../utils/records/uuidv7.ts';

/**
 * Posts one record with a single large generated content part, streamed from a generator so that the client
 * never holds it either: `megabytes` repetitions of one random 1 MiB block. Used by the memory test and the bench.
 */
export async function postLargeRecord(
  api: string,
  token: string,
  megabytes: number,
): Promise<{ status: number; body: string }> {
  const block = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  for (let i = 0; i < megabytes; i++) hash.update(block);
  const size = block.byteLength * megabytes;
  const record: DeclaredRecord = {
    id: uuidv7(),
    source: { app: 'generic', kind: 'file', url: 'https://example.org/big.bin', sourceId: `big-${Date.now()}` },
    title: `Large file of ${megabytes} MiB`,
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: [
      { role: 'primary', name: 'big.bin', mimeType: 'application/octet-stream', size, sha256: hash.digest('hex') },
    ],
    declaredAt: new Date().toISOString(),
  };
  const boundary = `rk-large-${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="record"\r\n\r\n${JSON.stringify(record)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="big.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Readable.from(
    (function* () {
      yield head;
      for (let i = 0; i < megabytes; i++) yield block;
      yield tail;
    })(),
    { objectMode: false },
  );
  return new Promise((resolve, reject) => {
    const req = request(`${api}/records`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': record.id,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.byteLength + size + tail.byteLength),
      },
    });
    req.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    pipeline(body, req).catch(reject);
  });
}
