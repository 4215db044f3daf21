import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlfrescoFake, errorBody, SPEC_NAMES } from '../../../tests/fakes/alfresco/server.ts';
import { ApiSpecs } from '../../../tests/fakes/alfresco/spec.ts';

/** The fake itself: it holds to the pinned definitions, and it catches a client that does not. */

const GS = '/alfresco/api/-default-/public/gs/versions/1';

describe('pinned Alfresco API definitions', () => {
  it('are the copies SOURCES.md names, each a valid Swagger 2.0 document', async () => {
    const sources = readFileSync(new URL('../../../tests/fakes/alfresco/api/SOURCES.md', import.meta.url), 'utf8');
    for (const name of SPEC_NAMES) {
      const digest = createHash('sha256').update(ApiSpecs.text(name)).digest('hex');
      expect(sources).toContain(`${digest}  ${name}.yaml`);
    }
    const specs = await ApiSpecs.load(SPEC_NAMES);
    expect(specs.match('POST', `${GS}/record-folders/abc/records`)?.operation.id).toBe('createRecordFolderChild');
    expect(specs.match('GET', `${GS}/gs-sites/rm`)?.operation.id).toBe('getRMSite');
  });

  it('reject a response fixture that does not match, and accept Alfresco’s error body', async () => {
    const specs = await ApiSpecs.load(SPEC_NAMES);
    const op = specs.match('POST', `${GS}/records/abc/complete`)!.operation;
    expect(specs.checkResponse(op, 200, { entry: { name: 'x' } })).not.toEqual([]);
    expect(specs.checkResponse(op, 422, errorBody(422, 'k', 'The record is already completed.'))).toEqual([]);
    expect(specs.checkResponse(op, 422, { message: 'no' })).not.toEqual([]);
  });
});

describe('Alfresco fake', () => {
  let fake: AlfrescoFake;
  let ticket: string;
  beforeEach(async () => {
    fake = await AlfrescoFake.start();
    const response = await fetch(`${fake.url}/alfresco/api/-default-/public/authentication/versions/1/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'recorder', password: 'secret' }),
    });
    ticket = ((await response.json()) as { entry: { id: string } }).entry.id;
  });
  afterEach(() => fake.close());

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${fake.url}${path}`, { ...init, headers: { authorization: `Basic ${btoa(ticket)}`, ...init.headers } });

  it('records a request that is not in the definitions, or has a parameter they do not list', async () => {
    await call(`${GS}/record-folders/x/records/extra`);
    await call(`${GS}/gs-sites/rm?nonsense=1`);
    expect(fake.violations).toEqual([
      expect.stringContaining('is not in Alfresco'),
      expect.stringContaining('query parameter nonsense is not in getRMSite'),
    ]);
  });

  it('renames a record with its identifier and resolves clashes in the unfiled container with -1, -2', async () => {
    fake.addDocument('a.txt', fake.unfiledId);
    const form = new FormData();
    form.append('filedata', new Blob(['hello']), 'a.txt');
    const response = await call(`${GS}/unfiled-containers/-unfiled-/children?autoRename=true`, {
      method: 'POST',
      body: form,
    });
    expect(response.status).toBe(201);
    const { entry } = (await response.json()) as { entry: { name: string; properties: Record<string, string> } };
    expect(entry.properties['rma:origionalName']).toBe('a-1.txt');
    expect(entry.name).toMatch(/^a-1 \(\d{4}-\d{10}\)\.txt$/);
    expect(fake.violations).toEqual([]);
  });

  it('completes a record once, and refuses without naming what is missing', async () => {
    fake.customMandatory = [{ id: 'rmc:ref', title: 'Ref' }];
    const form = new FormData();
    form.append('filedata', new Blob(['x']), 'b.txt');
    const created = await call(`${GS}/unfiled-containers/-unfiled-/children`, { method: 'POST', body: form });
    const { entry } = (await created.json()) as { entry: { id: string } };
    const refused = await call(`${GS}/records/${entry.id}/complete`, { method: 'POST' });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      error: { briefSummary: expect.stringMatching(/^\d{8} The record has missing mandatory properties\.$/) },
    });
    fake.customMandatory = [];
    expect((await call(`${GS}/records/${entry.id}/complete`, { method: 'POST' })).status).toBe(200);
    const again = await call(`${GS}/records/${entry.id}/complete`, { method: 'POST' });
    expect(again.status).toBe(422);
    expect(((await again.json()) as { error: { briefSummary: string } }).error.briefSummary).toContain(
      'already completed',
    );
    expect(fake.violations).toEqual([]);
  });

  it('answers 401 to an expired ticket and 403 to a wrong password', async () => {
    fake.expireTickets();
    expect((await call(`${GS}/gs-sites/rm`)).status).toBe(401);
    const login = await fetch(`${fake.url}/alfresco/api/-default-/public/authentication/versions/1/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'recorder', password: 'nope' }),
    });
    expect(login.status).toBe(403);
    expect(fake.violations).toEqual([]);
  });
});

describe('the fakes’ CORS filter (browser tests only)', () => {
  const origin = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
  let fake: AlfrescoFake;
  beforeEach(async () => {
    fake = await AlfrescoFake.start({ corsOrigin: origin });
  });
  afterEach(() => fake.close());
  const tickets = () => `${fake.url}/alfresco/api/-default-/public/authentication/versions/1/tickets`;
  const preflight = (from: string, headers: string) =>
    fetch(tickets(), {
      method: 'OPTIONS',
      headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
    });

  it('answers a preflight from the configured origin for the documented methods and headers only', async () => {
    const allowed = await preflight(origin, 'authorization, content-type');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight(origin, 'authorization, idempotency-key')).status).toBe(403);
    expect((await preflight('https://evil.example', 'content-type')).headers.get('access-control-allow-origin')).toBe(
      null,
    );
  });

  it('names the origin on answers to it, and exposes no header beyond the safelisted ones', async () => {
    const response = await fetch(tickets(), {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'recorder', password: 'secret' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-expose-headers')).toBe(null);
    expect(fake.violations).toEqual([]);
  });
});
