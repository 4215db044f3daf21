import { afterEach, describe, expect, it } from 'vitest';
import {
  bytesOf,
  makeRecord,
  memoryCredentials,
  memoryProgress,
  partSources,
  type TestPart,
} from '../../../tests/fakes/alfresco/support.ts';
import { CmisFake, type CmisFakeOptions } from '../../../tests/fakes/cmis/server.ts';
import type { DeclaredRecord } from '../../records/record';
import { deliver } from '../deliver';
import { CMIS_PASSWORD, type CmisSettings, createCmisConnector, documentName } from './connector';

let fake: CmisFake | undefined;

afterEach(async () => {
  if (!fake) return;
  expect(fake.violations).toEqual([]);
  await fake.close();
  fake = undefined;
});

async function setUp(options: CmisFakeOptions = {}) {
  fake = await CmisFake.start(options);
  fake.addFolder('/Records/Finance/2026');
  return fake;
}

function connector(
  f: CmisFake,
  options: { chunkBytes?: number; deep?: boolean; mapping?: unknown; password?: string; fetch?: typeof fetch } = {},
) {
  return createCmisConnector(
    { serviceUrl: f.serviceUrl, username: 'recorder', chunkBytes: options.chunkBytes, deepVerification: options.deep },
    {
      fetch: options.fetch ?? fetch,
      now: Date.now,
      credentials: memoryCredentials({ [CMIS_PASSWORD]: options.password ?? 'secret' }),
      mapping: options.mapping ?? { categories: { 'FIN/1': { path: '/Records/Finance/2026' } } },
    },
  );
}

const send = (
  c: ReturnType<typeof connector>,
  record: DeclaredRecord,
  parts: TestPart[],
  store = memoryProgress(),
  chunk = 64 * 1024,
) => deliver(c, record, partSources(parts, chunk), store);

const small: TestPart[] = [{ name: 'invoice-42.pdf', mimeType: 'application/pdf', bytes: bytesOf(1, 50 * 1024) }];
const large: TestPart[] = [{ name: 'scan.tiff', bytes: bytesOf(2, 300 * 1024) }];

describe('CMIS connector', () => {
  it('creates the document in the mapped folder with succinct properties and our secondary type', async () => {
    const f = await setUp();
    const record = makeRecord(small, { metadata: { description: 'Paid in full' } });
    const receipt = await send(connector(f), record, small);
    const [doc, ...others] = f.documents();
    expect(others).toEqual([]);
    expect(doc!.name).toBe(documentName(record.content[0]!, record.id));
    expect(doc!.secondary).toEqual(['P:rk:identity']);
    expect(doc!.properties).toMatchObject({
      'rk:recordId': record.id,
      'rk:partIndex': 0,
      'cmis:description': 'Paid in full',
    });
    expect(Buffer.from(doc!.content!).equals(Buffer.from(small[0]!.bytes))).toBe(true);
    expect(receipt).toMatchObject({ id: record.id, content: [{ size: 50 * 1024 }] });
  });

  it('sends a piece held in memory as one byte body, and pieces of a part kept on disk as FormData of Blobs', async () => {
    const f = await setUp();
    const bodies: [string | null, unknown][] = [];
    const watched = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === 'POST' && init.body && !(init.body instanceof URLSearchParams)) {
        const form = await new Response(init.body, init).formData();
        bodies.push([form.get('cmisaction') as string | null, init.body]);
      }
      return fetch(input, init);
    }) as typeof fetch;
    const c = connector(f, { fetch: watched, chunkBytes: 128 * 1024 });
    await send(c, makeRecord(small), small);
    // The outbox keeps a part of more than one chunk as Blobs, which stay on disk until the body is sent.
    const record = makeRecord(large);
    const onDisk = partSources(large, 64 * 1024).map((part) => ({
      ...part,
      chunk: async (n: number) => new Blob([await part.chunk(n)]),
    }));
    await deliver(c, record, onDisk, memoryProgress());

    const sent = bodies.filter(([action]) => action === 'createDocument' || action === 'appendContent');
    expect(
      sent.map(([action, body]) => [action, body instanceof Uint8Array ? 'bytes' : body?.constructor.name]),
    ).toEqual([
      ['createDocument', 'bytes'],
      ['createDocument', 'FormData'],
      ['appendContent', 'FormData'],
      ['appendContent', 'FormData'],
    ]);
    const stored = f.documents().map((doc) => Buffer.from(doc.content!));
    expect(stored.some((bytes) => bytes.equals(Buffer.from(small[0]!.bytes)))).toBe(true);
    expect(stored.some((bytes) => bytes.equals(Buffer.from(large[0]!.bytes)))).toBe(true);
  });

  it('finds a document whose create answer was lost, by query, instead of creating it again', async () => {
    const f = await setUp();
    const c = connector(f);
    const record = makeRecord(small);
    const store = memoryProgress();
    f.failNext('createDocument', { drop: 'after' });
    await expect(send(c, record, small, store)).rejects.toMatchObject({ kind: 'retryable' });
    await send(c, record, small, store);
    expect(f.documents()).toHaveLength(1);
    expect(f.log.filter((l) => l.action === 'query').length).toBeGreaterThan(1);
  });

  it('carries on with its own document when the browser resent a create whose answer was lost', async () => {
    // Chromium resends a request whose reused connection closed before any answer (HttpNetworkTransaction's
    // ShouldResendRequest), POST included: the first create landed, and the connector sees only the resend's
    // nameConstraintViolation.
    for (const secondaryType of [true, false]) {
      const f = await setUp({ secondaryType });
      let resent = false;
      const resending: typeof fetch = async (input, init) => {
        // The form as the repository reads it, whether the body went as bytes or as a FormData.
        const form = init?.body ? await new Response(init.body, init).formData().catch(() => undefined) : undefined;
        if (!resent && form?.get('cmisaction') === 'createDocument') {
          resent = true;
          await (await fetch(input, init)).arrayBuffer();
        }
        return fetch(input, init);
      };
      const record = makeRecord(small);
      const receipt = await send(connector(f, { fetch: resending }), record, small);
      expect(resent).toBe(true);
      expect(f.log.filter((l) => l.action === 'createDocument').map((l) => l.status)).toEqual([201, 409]);
      expect(f.documents()).toHaveLength(1);
      expect(receipt.content).toMatchObject([{ name: documentName(record.content[0]!, record.id), size: 50 * 1024 }]);
      expect(f.violations).toEqual([]);
      await f.close();
      fake = undefined;
    }
  });

  it('finds it by its path when the repository has no secondary type for our properties', async () => {
    const f = await setUp({ secondaryType: false });
    const record = makeRecord(small);
    f.failNext('createDocument', { drop: 'after' });
    await expect(send(connector(f), record, small)).rejects.toMatchObject({ kind: 'retryable' });
    await send(connector(f), record, small, memoryProgress());
    expect(f.documents()).toHaveLength(1);
    expect(f.documents()[0]!.secondary).toEqual([]);
    expect(f.log.some((l) => l.action === 'query')).toBe(false);
  });

  it('appends large parts piece by piece, re-reading the length so an interrupted append is not doubled', async () => {
    const f = await setUp();
    const c = connector(f, { chunkBytes: 64 * 1024 });
    const record = makeRecord(large);
    const store = memoryProgress();
    f.failNext('appendContent', { drop: 'after' }); // the second piece lands; its answer is lost
    await expect(send(c, record, large, store)).rejects.toMatchObject({ kind: 'retryable' });
    f.failNext('appendContent', { drop: 'before' }); // the next one never arrives
    await expect(send(c, record, large, store)).rejects.toMatchObject({ kind: 'retryable' });
    f.failNext('appendContent', { status: 500, exception: 'runtime' });
    await expect(send(c, record, large, store)).rejects.toMatchObject({ kind: 'retryable', status: 500 });
    const receipt = await send(c, record, large, store);
    const [doc, ...others] = f.documents();
    expect(others).toEqual([]);
    expect(Buffer.from(doc!.content!).equals(Buffer.from(large[0]!.bytes))).toBe(true);
    expect(receipt.content[0]!.size).toBe(300 * 1024);
    // 300 KB in 64 KB pieces: the first with createDocument, four appends that landed (one of them unanswered).
    expect(f.log.filter((l) => l.action === 'appendContent' && l.status !== 0 && l.status !== 500)).toHaveLength(4);
  });

  it('checks a versionable document in as a major version after its last piece', async () => {
    const f = await setUp({ versionable: true });
    const c = connector(f, { chunkBytes: 128 * 1024 });
    const record = makeRecord(large);
    const store = memoryProgress();
    f.failNext('checkIn', { drop: 'after' });
    await expect(send(c, record, large, store)).rejects.toMatchObject({ kind: 'retryable' });
    await send(c, record, large, store);
    const docs = f.documents();
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ isPwc: false, versionLabel: '1.0' });
    expect(Buffer.from(docs[0]!.content!).equals(Buffer.from(large[0]!.bytes))).toBe(true);

    const smallOne = makeRecord(small);
    await send(c, smallOne, small);
    expect(f.documents().find((d) => d.properties['rk:recordId'] === smallOne.id)).toMatchObject({
      versionLabel: '1.0',
    });
  });

  it('maps CMIS exceptions to the seam’s kinds', async () => {
    const f = await setUp();
    f.failNext('createDocument', { status: 409, exception: 'constraint' });
    await expect(send(connector(f), makeRecord(small), small)).rejects.toMatchObject({
      kind: 'permanent',
      status: 409,
      message: expect.stringContaining('constraint'),
    });
    f.failNext('createDocument', { status: 405, exception: 'notSupported' });
    await expect(send(connector(f), makeRecord(small), small)).rejects.toMatchObject({ kind: 'unsupported' });
    f.failNext('createDocument', { status: 409, exception: 'updateConflict' });
    await expect(send(connector(f), makeRecord(small), small)).rejects.toMatchObject({ kind: 'conflict' });
    await expect(send(connector(f, { password: 'no' }), makeRecord(small), small)).rejects.toMatchObject({
      kind: 'auth',
      interactive: true,
    });
    await expect(
      send(
        connector(f, { mapping: { categories: { 'FIN/1': { path: '/Records/Nowhere' } } } }),
        makeRecord(small),
        small,
      ),
    ).rejects.toMatchObject({ kind: 'permanent', message: expect.stringContaining('/Records/Nowhere') });
    expect(f.documents()).toEqual([]);
  });

  it('reads documents back and hashes them when deep verification is on', async () => {
    const f = await setUp();
    const record = makeRecord(small);
    const receipt = await send(connector(f, { deep: true }), record, small);
    expect(receipt.content[0]!.sha256).toBe(record.content[0]!.sha256);
    expect(f.log.some((l) => l.action === 'content')).toBe(true);
  });

  it('refuses to file where the user may not create documents, naming the folder, before sending anything', async () => {
    const f = await setUp();
    f.denyFiling('/Records/Legal');
    const record = makeRecord(small, { classification: { categoryId: 'LEG' } });
    const error = await send(
      connector(f, { mapping: { categories: { LEG: { path: '/Records/Legal' } } } }),
      record,
      small,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'permanent', message: expect.stringContaining('give it write permission') });
    expect(f.documents()).toEqual([]);
    expect(f.log.some((l) => l.action === 'createDocument')).toBe(false);
  });

  it('probes the repository, the folders and the secondary type', async () => {
    const f = await setUp();
    expect(await connector(f).probe()).toMatchObject({ ok: true, detail: expect.stringContaining('CMIS 1.1') });
    expect(await connector(f, { mapping: { categories: { X: { path: '/Missing' } } } }).probe()).toMatchObject({
      ok: false,
      kind: 'setup',
    });
    expect(await connector(f, { password: 'no' }).probe()).toMatchObject({
      ok: false,
      kind: 'auth',
      detail: expect.stringContaining('refused the user name or password of recorder'),
    });
    // The user may read the folder but not create documents there: named before any record is sent.
    f.denyFiling('/Records/Legal');
    expect(await connector(f, { mapping: { categories: { LEG: { path: '/Records/Legal' } } } }).probe()).toMatchObject({
      ok: false,
      kind: 'forbidden',
      detail: expect.stringContaining('may not create documents in /Records/Legal (mapped to category LEG)'),
    });
    const elsewhere = (settings: Partial<CmisSettings>) =>
      createCmisConnector(
        { serviceUrl: f.serviceUrl, username: 'recorder', ...settings },
        { fetch, now: Date.now, credentials: memoryCredentials({ [CMIS_PASSWORD]: 'secret' }), mapping: {} },
      ).probe();
    expect(await elsewhere({ repositoryId: 'B2' })).toMatchObject({
      ok: false,
      kind: 'setup',
      detail: 'The service has no repository B2; it has A1.',
    });
    expect(await elsewhere({ serviceUrl: f.serviceUrl.replace('/cmis/browser', '/alfresco/service') })).toMatchObject({
      ok: false,
      kind: 'wrong-service',
      detail: expect.stringContaining('Check the service URL'),
    });
    await f.close();
    const again = await CmisFake.start({ secondaryType: false });
    fake = again;
    again.addFolder('/Records/Finance/2026');
    expect(await connector(again).probe()).toMatchObject({
      ok: true,
      detail: expect.stringContaining('rk:identity is not installed'),
    });
  });
});
