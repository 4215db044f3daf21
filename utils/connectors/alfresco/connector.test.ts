import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlfrescoFake } from '../../../tests/fakes/alfresco/server.ts';
import {
  bytesOf,
  makeRecord,
  memoryCredentials,
  partSources,
  type TestPart,
} from '../../../tests/fakes/alfresco/support.ts';
import type { DeclaredRecord } from '../../records/record';
import { ConnectorError } from '../connector';
import { deliver } from '../deliver';
import { memoryProgress } from '../memory';
import { ALFRESCO_PASSWORD, ALFRESCO_TICKET } from './client';
import { createAlfrescoConnector } from './connector';
import type { AlfrescoMapping } from './mapping';

let fake: AlfrescoFake;
let financeFolder: string;

beforeEach(async () => {
  fake = await AlfrescoFake.start();
  const finance = fake.addCategory('Finance');
  const invoices = fake.addCategory('Invoices', finance);
  financeFolder = fake.addFolder('2026', invoices);
});

afterEach(async () => {
  // Every request the connector made and every answer the fake gave conformed to Alfresco's API definitions.
  expect(fake.violations).toEqual([]);
  await fake.close();
});

function connector(
  mapping: Partial<AlfrescoMapping> | unknown = { categories: { 'FIN/1': { folderId: financeFolder } } },
  options: { deep?: boolean; password?: string; fetch?: typeof fetch } = {},
) {
  const credentials = memoryCredentials({ [ALFRESCO_PASSWORD]: options.password ?? 'secret' });
  const instance = createAlfrescoConnector(
    { url: fake.url, username: 'recorder', deepVerification: options.deep },
    { fetch: options.fetch ?? fetch, now: Date.now, credentials, mapping },
  );
  return { instance, credentials };
}

const invoice: TestPart[] = [{ name: 'invoice-42.pdf', mimeType: 'application/pdf', bytes: bytesOf(1, 50 * 1024) }];

async function send(
  c: ReturnType<typeof connector>,
  record: DeclaredRecord,
  parts: TestPart[],
  store = memoryProgress(),
) {
  return deliver(c.instance, record, partSources(parts), store);
}

describe('Alfresco connector: filing', () => {
  it('files a record in the mapped record folder with its content, metadata and our id, then completes it', async () => {
    const record = makeRecord(invoice);
    const receipt = await send(connector(), record, invoice);

    const [node, ...others] = fake.records();
    expect(others).toEqual([]);
    expect(node!.parentId).toBe(financeFolder);
    expect(Buffer.from(node!.content!.bytes).equals(Buffer.from(invoice[0]!.bytes))).toBe(true);
    // Alfresco renamed it with its record identifier; the receipt shows the name it has there.
    expect(node!.name).toMatch(/^invoice-42 \(\d{4}-\d{10}\)\.pdf$/);
    expect(node!.properties).toMatchObject({
      'rk:recordId': record.id,
      'rk:partIndex': 0,
      'rk:partRole': 'primary',
      'rk:sha256': record.content[0]!.sha256,
      'cm:title': 'Supplier invoice 42',
      'rma:originator': 'Ann Archer <ann@example.org>',
      'rma:originatingOrganization': 'Example Org',
      'rma:publicationDate': '2026-11-20T09:14:00.000Z',
    });
    expect(node!.aspects.has('rma:declaredRecord')).toBe(true);
    expect(receipt).toMatchObject({
      id: record.id,
      content: [{ name: node!.name, size: 50 * 1024, sha256: record.content[0]!.sha256 }],
    });
    expect(receipt.url).toContain(node!.id);
  });

  it('posts a part held in memory as one byte body, and a part kept on disk in chunks as a FormData of Blobs', async () => {
    const bodies: unknown[] = [];
    const watched = ((input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === 'POST' && String(input).includes('/records?')) bodies.push(init.body);
      return fetch(input, init);
    }) as typeof fetch;
    const c = connector(undefined, { fetch: watched });
    await send(c, makeRecord(invoice), invoice);
    // The outbox keeps a part of more than one chunk as Blobs, which stay on disk until the body is sent.
    const scan: TestPart[] = [{ name: 'scan.pdf', mimeType: 'application/pdf', bytes: bytesOf(2, 100 * 1024) }];
    const onDisk = partSources(scan, 64 * 1024).map((part) => ({
      ...part,
      chunk: async (n: number) => new Blob([await part.chunk(n)]),
    }));
    await deliver(c.instance, makeRecord(scan), onDisk, memoryProgress());

    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toBeInstanceOf(Uint8Array);
    expect(bodies[1]).toBeInstanceOf(FormData);
    const stored = fake.records().map((node) => Buffer.from(node.content!.bytes));
    expect(stored).toHaveLength(2);
    expect(stored.some((bytes) => bytes.equals(Buffer.from(invoice[0]!.bytes)))).toBe(true);
    expect(stored.some((bytes) => bytes.equals(Buffer.from(scan[0]!.bytes)))).toBe(true);
  });

  it('finds the record folder by its path in the file plan', async () => {
    const record = makeRecord(invoice);
    await send(connector({ categories: { 'FIN/1': { path: 'Finance/Invoices/2026' } } }), record, invoice);
    expect(fake.records().map((n) => n.parentId)).toEqual([financeFolder]);
  });

  it('files an unmapped category in the unfiled records container, or refuses it when the mapping says so', async () => {
    const record = makeRecord(invoice, { classification: { categoryId: 'HR/2.3' } });
    await send(connector({ categories: {} }), record, invoice);
    expect(fake.records().map((n) => n.parentId)).toEqual([fake.unfiledId]);

    const refused = makeRecord(invoice, { classification: { categoryId: 'HR/2.3' } });
    const error = await send(connector({ unmapped: 'refuse' }), refused, invoice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'permanent', message: expect.stringContaining('HR/2.3 is not mapped') });
    expect(fake.records()).toHaveLength(1);
  });

  it('gives an email record the DoD email properties', async () => {
    const record = makeRecord([{ name: 'message.eml', mimeType: 'message/rfc822', bytes: bytesOf(2, 2000) }], {
      source: {
        app: 'gmail',
        kind: 'email',
        url: 'https://mail.google.com/mail/u/0/#inbox/1',
        sourceId: '<CAF1@mail.gmail.com>',
      },
      metadata: {
        originator: 'Ann <ann@example.org>',
        addressees: ['bob@example.org', 'carol@example.org'],
        otherAddressees: ['dan@example.org'],
        dateSent: '2026-11-20T09:14:00.000Z',
      },
      classification: { categoryId: 'FIN/1', recordType: 'email' },
    });
    await send(connector(), record, [{ name: 'message.eml', bytes: bytesOf(2, 2000) }]);
    expect(fake.records()[0]!.properties).toMatchObject({
      'imap:messageFrom': 'Ann <ann@example.org>',
      'imap:messageTo': 'bob@example.org, carol@example.org',
      'imap:messageCc': 'dan@example.org',
      'imap:dateSent': '2026-11-20T09:14:00.000Z',
      'imap:messageSubject': 'Supplier invoice 42',
      'imap:messageId': '<CAF1@mail.gmail.com>',
      'rma:publicationDate': '2026-11-20T09:14:00.000Z',
    });
    expect(fake.records()[0]!.aspects.has('imap:imapContent')).toBe(true);
  });

  it('files attachments and renditions beside the primary part and links them to it', async () => {
    const parts: TestPart[] = [
      { role: 'attachment', name: 'terms.pdf', bytes: bytesOf(3, 3000) },
      { role: 'primary', name: 'message.eml', bytes: bytesOf(4, 4000) },
      { role: 'rendition', name: 'message.pdf', bytes: bytesOf(5, 5000) },
    ];
    const record = makeRecord(parts);
    const receipt = await send(connector(), record, parts);
    const nodes = fake.records();
    expect(nodes).toHaveLength(3);
    const primary = nodes.find((n) => n.properties['rk:partRole'] === 'primary')!;
    expect(primary.properties['rk:primaryRecord']).toBeUndefined();
    for (const node of nodes.filter((n) => n !== primary)) {
      expect(node.parentId).toBe(primary.parentId);
      expect(node.properties['rk:primaryRecord']).toBe(primary.id);
      expect(node.properties['cm:title']).toBe(node.properties['rma:origionalName']);
    }
    expect(nodes.every((n) => n.aspects.has('rma:declaredRecord'))).toBe(true);
    expect(receipt.content.map((c) => c.size)).toEqual([3000, 4000, 5000]);
    expect(receipt.url).toContain(primary.id);
  });

  it('gives a clashing name a second, unique one in a record folder (no autoRename there)', async () => {
    fake.addDocument('invoice-42.pdf', financeFolder);
    const record = makeRecord(invoice);
    await send(connector(), record, invoice);
    expect(fake.records()[0]!.properties['rma:origionalName']).toBe(`invoice-42 (${record.id}).pdf`);
  });

  it('says which mandatory properties Alfresco wants when it refuses to complete, and completes once mapped', async () => {
    fake.customMandatory = [{ id: 'rmc:caseReference', title: 'Case reference' }];
    const record = makeRecord(invoice, { fields: { caseNumber: 'FIN-2291' } });
    const error = await send(connector(), record, invoice).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'permanent', status: 422 });
    expect((error as Error).message).toContain('rmc:caseReference (Case reference)');
    expect(fake.records()[0]!.aspects.has('rma:declaredRecord')).toBe(false);

    const mapped = makeRecord(invoice, { fields: { caseNumber: 'FIN-2291' } });
    await send(
      connector({
        categories: { 'FIN/1': { folderId: financeFolder } },
        properties: { 'rmc:caseReference': { field: 'caseNumber' } },
      }),
      mapped,
      invoice,
    );
    const done = fake.records().find((n) => n.properties['rk:recordId'] === mapped.id)!;
    expect(done.properties['rmc:caseReference']).toBe('FIN-2291');
    expect(done.aspects.has('rma:declaredRecord')).toBe(true);
  });

  it('asks for the Declare Records capability when the user may file but not complete', async () => {
    fake.canComplete = false;
    const error = await send(connector(), makeRecord(invoice), invoice).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'permanent',
      message: expect.stringContaining('"Declare Records" capability'),
    });
  });

  it('reads every part back and hashes it when deep verification is on, before completing', async () => {
    const record = makeRecord(invoice);
    const receipt = await send(connector(undefined, { deep: true }), record, invoice);
    expect(receipt.content[0]!.sha256).toBe(
      createHash('sha256').update(fake.records()[0]!.content!.bytes).digest('hex'),
    );
    expect(fake.log.some((l) => l.operation === 'getRecordContent')).toBe(true);

    // A copy that differs is caught, and not frozen by completion.
    const other = makeRecord(invoice);
    const c = connector(undefined, { deep: true });
    const store = memoryProgress();
    fake.failNext('POST', /\/complete$/, { status: 503 });
    await expect(send(c, other, invoice, store)).rejects.toMatchObject({ kind: 'throttled' });
    const stored = fake.records().find((n) => n.properties['rk:recordId'] === other.id)!;
    stored.content!.bytes = Buffer.from(stored.content!.bytes).fill(7, 0, 10);
    await expect(send(c, other, invoice, store)).rejects.toThrow(/hashes to/);
    expect(stored.aspects.has('rma:declaredRecord')).toBe(false);
  });

  it('tells the duplicate warning which records came from the same source', async () => {
    const c = connector();
    const first = makeRecord(invoice);
    await send(c, first, invoice);
    const prior = await c.instance.findBySource!(first.source.sourceId);
    expect(prior).toEqual([expect.objectContaining({ id: first.id, title: 'Supplier invoice 42' })]);
    expect(await c.instance.findBySource!("it's another")).toEqual([]);
  });
});

describe('Alfresco connector: faults (nothing lost, nothing doubled)', () => {
  it('finds a record whose create answer was lost instead of filing it twice', async () => {
    const c = connector();
    const record = makeRecord(invoice);
    const store = memoryProgress();
    fake.failNext('POST', /\/records$/, { drop: 'after' });
    await expect(send(c, record, invoice, store)).rejects.toMatchObject({ kind: 'retryable' });
    expect(fake.records()).toHaveLength(1);

    const receipt = await send(c, record, invoice, store);
    expect(fake.records()).toHaveLength(1);
    expect(fake.records()[0]!.aspects.has('rma:declaredRecord')).toBe(true);
    expect(receipt.id).toBe(record.id);
    expect(fake.log.filter((l) => l.operation === 'createRecordFolderChild')).toHaveLength(1);
  });

  it('keeps one node per part when a lost create answer was resent and Alfresco filed the part twice', async () => {
    const parts: TestPart[] = [
      { role: 'primary', name: 'a.eml', bytes: bytesOf(8, 1000) },
      { role: 'attachment', name: 'b.pdf', bytes: bytesOf(9, 2000) },
    ];
    const record = makeRecord(parts);
    fake.failNext('POST', /\/records$/, { resend: true }, 2);
    const receipt = await send(connector(), record, parts);
    expect(fake.log.filter((l) => l.operation === 'createRecordFolderChild')).toHaveLength(4);
    const nodes = fake.records();
    expect(nodes.map((n) => n.properties['rk:partIndex']).sort()).toEqual([0, 1]);
    // The part is the node filed first, the one whose answer was lost; the resent copy is gone.
    const [first, second] = [...fake.log].filter((l) => l.operation === 'createRecordFolderChild');
    expect(first!.status).toBe(-201);
    expect(second!.status).toBe(201);
    expect(fake.log.filter((l) => l.operation === 'deleteRecord').map((l) => l.status)).toEqual([204, 204]);
    const primary = nodes.find((n) => n.properties['rk:partIndex'] === 0)!;
    expect(primary.properties['rma:identifier']).toBe(
      nodes.map((n) => n.properties['rma:identifier'] as string).sort()[0],
    );
    expect(nodes.every((n) => n.aspects.has('rma:declaredRecord'))).toBe(true);
    expect(nodes.find((n) => n !== primary)!.properties['rk:primaryRecord']).toBe(primary.id);
    expect(receipt.url).toContain(primary.id);
  });

  it('stops the record for a person, naming the second copy, when Alfresco will not delete it', async () => {
    fake.canDelete = false;
    const record = makeRecord(invoice);
    const store = memoryProgress();
    fake.failNext('POST', /\/records$/, { resend: true });
    const error = await send(connector(), record, invoice, store).catch((e: unknown) => e);
    const [kept, extra, ...more] = fake.records().sort((a, b) => a.dbid - b.dbid);
    expect(more).toEqual([]);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'conflict', status: 403 });
    expect((error as Error).message).toContain(`${extra!.name} (node ${extra!.id}) is a second copy of ${kept!.name}`);
    expect((error as Error).message).toContain('Delete that record in Alfresco, then send again');
    // Nothing was completed while the part is doubled; once a person deleted the copy, the next attempt finishes.
    expect(kept!.aspects.has('rma:declaredRecord')).toBe(false);
    fake.nodes.delete(extra!.id);
    await send(connector(), record, invoice, store);
    expect(fake.records()).toEqual([kept]);
    expect(kept!.aspects.has('rma:declaredRecord')).toBe(true);
  });

  it('finds the record even when the outbox lost its progress too', async () => {
    const record = makeRecord(invoice);
    fake.failNext('POST', /\/complete$/, { drop: 'after' });
    await expect(send(connector(), record, invoice)).rejects.toMatchObject({ kind: 'retryable' });
    // A fresh connector and a fresh progress store: only the repository remembers.
    await send(connector(), record, invoice, memoryProgress());
    expect(fake.records()).toHaveLength(1);
    expect(fake.records()[0]!.aspects.has('rma:declaredRecord')).toBe(true);
  });

  it('renews an expired ticket and carries on', async () => {
    const c = connector();
    await send(c, makeRecord(invoice), invoice);
    const first = c.credentials.map.get(ALFRESCO_TICKET);
    fake.expireTickets();
    await send(c, makeRecord(invoice), invoice);
    expect(c.credentials.map.get(ALFRESCO_TICKET)).not.toBe(first);
    expect(fake.records()).toHaveLength(2);
    expect(fake.log.filter((l) => l.status === 401)).toHaveLength(1);
  });

  it('never files with a ticket issued to another user name (the user name was changed in options)', async () => {
    await fake.close();
    fake = await AlfrescoFake.start({ users: { recorder: 'secret', former: 'old' } });
    financeFolder = fake.addFolder('2026', fake.addCategory('Invoices', fake.addCategory('Finance')));
    const issued = await fetch(`${fake.url}/alfresco/api/-default-/public/authentication/versions/1/tickets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ userId: 'former', password: 'old' }),
    });
    const { entry } = (await issued.json()) as { entry: { id: string } };
    const c = connector();
    c.credentials.map.set(ALFRESCO_TICKET, JSON.stringify({ user: 'former', ticket: entry.id }));
    await send(c, makeRecord(invoice), invoice);
    expect(fake.records()[0]!.createdBy).toBe('recorder');
    expect(JSON.parse(c.credentials.map.get(ALFRESCO_TICKET)!)).toMatchObject({ user: 'recorder' });
  });

  it('asks the user to sign in again when the password is refused', async () => {
    const error = await send(connector(undefined, { password: 'wrong' }), makeRecord(invoice), invoice).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'auth', interactive: true, status: 403 });
    expect(fake.records()).toEqual([]);
  });

  it('retries after a 5xx and files once', async () => {
    const c = connector();
    const record = makeRecord(invoice);
    const store = memoryProgress();
    fake.failNext('POST', /\/records$/, { status: 500 });
    await expect(send(c, record, invoice, store)).rejects.toMatchObject({ kind: 'retryable', status: 500 });
    fake.failNext('POST', /\/search$/, { status: 503, retryAfter: '7' });
    await expect(send(c, record, invoice, store)).rejects.toMatchObject({ kind: 'throttled', retryAfterMs: 7000 });
    await send(c, record, invoice, store);
    expect(fake.records()).toHaveLength(1);
  });

  it('survives the connection dropping before a part arrives, for every part of a record', async () => {
    const parts: TestPart[] = [
      { role: 'primary', name: 'a.eml', bytes: bytesOf(6, 1000) },
      { role: 'attachment', name: 'b.pdf', bytes: bytesOf(7, 2000) },
    ];
    const c = connector();
    const record = makeRecord(parts);
    const store = memoryProgress();
    fake.failNext('POST', /\/records$/, { drop: 'before' });
    await expect(send(c, record, parts, store)).rejects.toMatchObject({ kind: 'retryable' });
    fake.failNext('POST', /\/records$/, { drop: 'after' });
    await expect(send(c, record, parts, store)).rejects.toMatchObject({ kind: 'retryable' });
    fake.failNext('PUT', /\/records\//, { drop: 'after' });
    await expect(send(c, record, parts, store)).rejects.toMatchObject({ kind: 'retryable' });
    await send(c, record, parts, store);
    const nodes = fake.records();
    expect(nodes).toHaveLength(2);
    expect(nodes.map((n) => n.properties['rk:partIndex']).sort()).toEqual([0, 1]);
    expect(nodes.every((n) => n.aspects.has('rma:declaredRecord'))).toBe(true);
  });
});

describe('Alfresco connector: probe', () => {
  it('passes when everything is set up', async () => {
    expect(await connector().instance.probe()).toMatchObject({ ok: true, user: 'recorder' });
  });

  it('names each missing step', async () => {
    expect(await connector(undefined, { password: 'wrong' }).instance.probe()).toMatchObject({
      ok: false,
      kind: 'auth',
      detail: expect.stringMatching(
        /refused the user name or password for recorder .*Check the user name and password/,
      ),
    });
    expect(
      await connector({ categories: { 'FIN/1': { path: 'Finance/Invoices/2027' } } }).instance.probe(),
    ).toMatchObject({
      ok: false,
      kind: 'setup',
      detail: expect.stringContaining('there is no "2027" in Finance/Invoices'),
    });
    const closed = fake.addFolder('Closed', fake.addCategory('Old'), { closed: true });
    expect(await connector({ categories: { 'OLD/1': { folderId: closed } } }).instance.probe()).toMatchObject({
      ok: false,
      kind: 'setup',
      detail: expect.stringContaining('is closed'),
    });
    const locked = fake.addFolder('Locked', fake.addCategory('Legal'), { canFile: false });
    expect(await connector({ categories: { 'LEG/1': { folderId: locked } } }).instance.probe()).toMatchObject({
      ok: false,
      kind: 'forbidden',
    });
    fake.modelInstalled = false;
    expect(await connector().instance.probe()).toMatchObject({
      ok: false,
      kind: 'setup',
      detail: expect.stringContaining('recordkeeper-model.xml'),
    });
    fake.rmSite = false;
    expect(await connector().instance.probe()).toMatchObject({
      ok: false,
      kind: 'setup',
      detail: expect.stringContaining('Records Management site'),
    });
  });

  it('says when nothing answers, or something that is not Alfresco', async () => {
    const gone = createAlfrescoConnector(
      { url: 'http://127.0.0.1:9', username: 'recorder' },
      { fetch, now: Date.now, credentials: memoryCredentials({ [ALFRESCO_PASSWORD]: 'x' }) },
    );
    expect(await gone.probe()).toMatchObject({ ok: false, kind: 'unreachable' });
    const unset = createAlfrescoConnector(
      { url: fake.url, username: 'recorder' },
      { fetch, now: Date.now, credentials: memoryCredentials() },
    );
    expect(await unset.probe()).toMatchObject({ ok: false, kind: 'not-configured' });
  });
});
