import { afterEach, describe, expect, it } from 'vitest';
import type { GraphFake } from '../../../tests/fakes/graph/server';
import {
  bytesOf,
  connectorFor,
  fakeTenant,
  MAPPING,
  memoryProgress,
  partSource,
  RECORD_COLUMNS,
  recordWith,
  SITE,
  testTokens,
} from '../../../tests/fakes/graph/tenant';
import { AuthError } from '../../auth/oauth';
import { deliver } from '../deliver';
import { quickXorHash } from './quickxorhash';
import { FRAGMENT_UNIT } from './upload';

let fake: GraphFake;
afterEach(() => fake?.close(), 60_000);

// Servers on loopback on a busy machine: generous time, never a fixed sleep.
describe('Microsoft 365 connector', { timeout: 120_000 }, () => {
  it('files a record as a folder of its parts, sets the columns, then labels it, and proves each file', async () => {
    fake = await fakeTenant();
    const mail = bytesOf(30_000, 1);
    const pdf = bytesOf(70_000, 2);
    const record = await recordWith([
      { name: 'message.eml', bytes: mail },
      { name: 'invoice.pdf', bytes: pdf },
    ]);
    const connector = connectorFor(fake, testTokens(fake));
    const receipt = await deliver(connector, record, [partSource(0, mail), partSource(1, pdf)], memoryProgress());

    const files = fake.files().filter((f) => !f.folder);
    expect(files.map((f) => f.path).sort()).toEqual([
      `HR/Grievances/Grievance_ overtime for March (${record.id})/invoice.pdf`,
      `HR/Grievances/Grievance_ overtime for March (${record.id})/message.eml`,
    ]);
    const primary = files.find((f) => f.name === 'message.eml')!;
    expect(Buffer.compare(primary.bytes!, Buffer.from(mail))).toBe(0);
    expect(primary.fields).toMatchObject({
      Title: 'Grievance: overtime for March',
      RecordId: record.id,
      ...RECORD_COLUMNS,
      Tags: 'grievance; overtime',
      CaseNumber: 'HR-2291',
    });
    expect(files.every((f) => f.label?.name === 'HR case record')).toBe(true);
    // The columns were set before the first label: a record label locks them.
    const paths = fake.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
    const fieldsAt = paths.findIndex((p) => p.startsWith('PATCH') && p.endsWith('/fields'));
    const labelAt = paths.findIndex((p) => p.endsWith('/retentionLabel'));
    expect(fieldsAt).toBeGreaterThan(-1);
    expect(fieldsAt).toBeLessThan(labelAt);

    expect(receipt.content).toEqual([
      { name: 'message.eml', sha256: record.content[0]!.sha256, size: mail.length, quickXorHash: quickXorHash(mail) },
      { name: 'invoice.pdf', sha256: record.content[1]!.sha256, size: pdf.length, quickXorHash: quickXorHash(pdf) },
    ]);
    expect(receipt.url).toContain(encodeURIComponent(`(${record.id})`).replace(/%20/g, '%20'));
  });

  it('sends a large part through an upload session in 320 KiB multiples, with no token on the upload URL', async () => {
    fake = await fakeTenant();
    const big = bytesOf(23 * 1024 * 1024 + 12_345, 3);
    const record = await recordWith([{ name: 'scan.tiff', bytes: big }]);
    const receipt = await deliver(connectorFor(fake, testTokens(fake)), record, [partSource(0, big)], memoryProgress());
    const puts = fake.requests.filter((r) => r.path.startsWith('/upload/') && r.method === 'PUT');
    expect(puts.length).toBe(3);
    expect(puts.every((r) => !r.authorization && r.status !== 401)).toBe(true);
    const [file] = fake.files().filter((f) => !f.folder);
    expect(file!.size).toBe(big.length);
    expect(file!.quickXorHash).toBe(quickXorHash(big));
    expect(receipt.content[0]!.quickXorHash).toBe(quickXorHash(big));
    expect((10 * 1024 * 1024) % FRAGMENT_UNIT).toBe(0);
  });
});

// Servers on loopback on a busy machine: generous time, never a fixed sleep.
describe('Microsoft 365 connection test', { timeout: 120_000 }, () => {
  it('uploads a part held in memory as its bytes, not as a Blob; a fragment spanning chunks arrives whole', async () => {
    fake = await fakeTenant();
    const bodies: unknown[] = [];
    const watched = ((input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === 'PUT') bodies.push(init.body);
      return fetch(input, init);
    }) as typeof fetch;
    // The outbox holds a part of one chunk as an ArrayBuffer (utils/outbox/outbox.ts).
    const inMemory = (index: number, bytes: Uint8Array, chunkSize = bytes.length) => ({
      ...partSource(index, bytes, chunkSize),
      chunk: async (n: number) => bytes.slice(n * chunkSize, (n + 1) * chunkSize).buffer,
    });
    const mail = bytesOf(30_000, 4);
    const connector = connectorFor(fake, testTokens(fake), { fetch: watched });
    const small = await recordWith([{ name: 'message.eml', bytes: mail }]);
    await deliver(connector, small, [inMemory(0, mail)], memoryProgress());
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toBeInstanceOf(Uint8Array);

    // Past the simple upload's 4 MB, through an upload session: a fragment spanning chunks is made of their bytes.
    const big = bytesOf(5 * 1024 * 1024 + 7, 5);
    const record = await recordWith([{ name: 'scan.tiff', bytes: big }]);
    const receipt = await deliver(connector, record, [inMemory(0, big, 1024 * 1024)], memoryProgress());
    const file = fake.files().find((f) => f.name === 'scan.tiff')!;
    expect(Buffer.compare(file.bytes!, Buffer.from(big))).toBe(0);
    expect(receipt.content[0]!.quickXorHash).toBe(quickXorHash(big));
    const stored = fake.files().find((f) => f.name === 'message.eml')!;
    expect(Buffer.compare(stored.bytes!, Buffer.from(mail))).toBe(0);
  });

  it('says who is signed in and that the mapped libraries are reachable', async () => {
    fake = await fakeTenant();
    const result = await connectorFor(fake, testTokens(fake)).probe();
    expect(result).toMatchObject({ ok: true, user: 'alice@contoso.example' });
    expect(result.ok && result.detail).toContain('1 mapped library is reachable');
    expect(result.ok && result.detail).toContain('HR case record, Regulatory finance');
  });

  it('names the missing step: configuration, sign-in, site, library, permission', async () => {
    fake = await fakeTenant();
    const tokens = testTokens(fake);
    expect(await connectorFor(fake, tokens, { mapping: undefined }).probe()).toEqual({
      ok: false,
      kind: 'not-configured',
      detail: 'The presets map no file-plan category to Microsoft 365: ask your records administrator.',
    });
    expect(await connectorFor(fake, tokens, { mapping: { categories: 'no' } }).probe()).toMatchObject({
      ok: false,
      kind: 'not-configured',
    });
    const signedOut = async () => {
      throw new AuthError('Not signed in to Microsoft 365: sign in from the options page.', 'sign-in');
    };
    expect(await connectorFor(fake, signedOut).probe()).toEqual({
      ok: false,
      kind: 'sign-in',
      detail: 'Not signed in to Microsoft 365: sign in from the options page.',
    });
    const elsewhere = { categories: { X: { site: 'contoso.sharepoint.com:/sites/gone', library: 'Records' } } };
    expect(await connectorFor(fake, tokens, { mapping: elsewhere }).probe()).toMatchObject({
      ok: false,
      kind: 'setup',
      detail: expect.stringContaining('The SharePoint site contoso.sharepoint.com:/sites/gone was not found'),
    });
    const noLibrary = { categories: { X: { site: SITE, library: 'Archive' } } };
    expect(await connectorFor(fake, tokens, { mapping: noLibrary }).probe()).toMatchObject({
      ok: false,
      kind: 'setup',
      detail: expect.stringContaining(
        'The library "Archive" was not found in contoso.sharepoint.com:/sites/records (its libraries: Records, Documents)',
      ),
    });
    fake.throttle(1, '1', (_m, path) => path.endsWith('/drives'), 403);
    expect(await connectorFor(fake, tokens).probe()).toMatchObject({ ok: false, kind: 'permission' });
  });
});

// Servers on loopback on a busy machine: generous time, never a fixed sleep.
describe('mapping', { timeout: 120_000 }, () => {
  it('is validated where it enters, naming the bad entry', async () => {
    fake = await fakeTenant();
    const bad = {
      ...MAPPING,
      categories: { 'HR/2.3': { site: 'https://contoso.sharepoint.com/sites/x', library: 'R' } },
    };
    const record = await recordWith([{ name: 'a.txt', bytes: bytesOf(10) }]);
    await expect(
      deliver(
        connectorFor(fake, testTokens(fake), { mapping: bad }),
        record,
        [partSource(0, bytesOf(10))],
        memoryProgress(),
      ),
    ).rejects.toThrow(/mapping is not valid: must be "host:\/sites\/name"/);
  });
});
