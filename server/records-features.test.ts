// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRESETS } from './presets.ts';
import {
  damageBlob,
  ENGINES,
  fetch,
  getJson,
  makeRecord,
  postRecord,
  sha256Hex,
  startTestServerForUsers,
  type TestServer,
  textFile,
} from './test/support.ts';
import { listTokens, revokeToken } from './tokens.ts';

describe.each(ENGINES)('Records API v1 reading, presets and tokens on %s', (engine) => {
  let t: TestServer, ann: string, bob: string, admin: string;
  beforeAll(async () => {
    ({ t, ann, bob, admin } = await startTestServerForUsers(engine));
  });
  afterAll(() => t?.stop());

  const file = (text: string) => textFile('note.txt', text);
  const ids = (page: { items: { record: { id: string } }[] }) => page.items.map((item) => item.record.id);

  describe('GET /records filters', () => {
    const made: Record<string, string> = {};
    beforeAll(async () => {
      const specs = {
        hr: { title: 'Grievance about shifts', tags: ['grievance'], category: 'HR/2.3', at: '2026-01-10T09:00:00Z' },
        invoice: {
          title: 'Supplier invoice 42',
          tags: ['supplier', 'paid'],
          category: 'FIN/1',
          at: '2026-02-15T12:00:00Z',
        },
        leave: { title: 'Leave request', tags: ['leave'], category: 'HR/2.3', at: '2026-03-01T00:00:00Z' },
      };
      for (const [name, spec] of Object.entries(specs)) {
        const content = file(name);
        const record = makeRecord([content], {
          title: spec.title,
          tags: spec.tags,
          classification: { categoryId: spec.category },
          declaredAt: spec.at,
          declaredBy: name === 'leave' ? 'Carol <carol@x.org>' : undefined,
        });
        expect((await postRecord(t.api, ann, record, [content])).status).toBe(201);
        made[name] = record.id;
      }
    });
    const list = async (query: string, token = ann) => {
      const response = await getJson(`${t.api}/records?${query}`, token);
      expect(response.status).toBe(200);
      return ids(await response.json());
    };

    it('filters by category, tag, declaredBy and title words', async () => {
      expect(await list('category=HR%2F2.3')).toEqual([made.leave, made.hr]);
      expect(await list('tag=paid')).toEqual([made.invoice]);
      // declaredBy is the token's user: what the client claimed ('Carol') is not a filter value.
      expect(await list(`declaredBy=${encodeURIComponent('Carol <carol@x.org>')}`)).toEqual([]);
      expect(await list(`declaredBy=${encodeURIComponent('ann@x.org')}&category=HR%2F2.3`)).toEqual([
        made.leave,
        made.hr,
      ]);
      expect(await list('q=INVOICE')).toEqual([made.invoice]);
      expect(await list('q=supplier%2042')).toEqual([made.invoice]);
      expect(await list('q=100%25')).toEqual([]);
      expect(await list('category=HR%2F2.3&tag=leave')).toEqual([made.leave]);
    });

    it('filters by declaredAt range, dates inclusive of the whole day', async () => {
      expect(await list('from=2026-02-01&to=2026-02-28')).toEqual([made.invoice]);
      expect(await list('to=2026-01-10')).toEqual([made.hr]);
      expect(await list('from=2026-03-01T00:00:00Z')).toEqual([made.leave]);
      const bad = await getJson(`${t.api}/records?from=yesterday`, ann);
      expect(bad.status).toBe(400);
      expect((await bad.json()).detail).toMatch(/from/);
    });

    it('pages a filtered list with nextCursor', async () => {
      const first = await (await getJson(`${t.api}/records?category=HR%2F2.3&limit=1`, ann)).json();
      expect(ids(first)).toEqual([made.leave]);
      const second = await (
        await getJson(`${t.api}/records?category=HR%2F2.3&limit=1&cursor=${first.nextCursor}`, ann)
      ).json();
      expect(ids(second)).toEqual([made.hr]);
      expect(second.nextCursor).toBeUndefined();
    });

    it("applies filters within the token's own records", async () => {
      expect(await list('category=HR%2F2.3', bob)).toEqual([]);
      expect(await list('tag=paid', admin)).toEqual([made.invoice]);
    });
  });

  describe('audit trail and fixity on read', () => {
    it('lists declared and received, then accessed for each download, with who and when', async () => {
      const content = file('audited');
      const record = makeRecord([content], { declaredAt: '2026-04-01T08:00:00Z' });
      expect((await postRecord(t.api, ann, record, [content])).status).toBe(201);
      expect((await (await getJson(`${t.api}/records/${record.id}/content/0`, admin)).text()).length).toBe(7);
      const { items } = await (await getJson(`${t.api}/records/${record.id}/events`, ann)).json();
      expect(items).toEqual([
        { kind: 'declared', actor: 'ann@x.org', at: '2026-04-01T08:00:00.000Z' },
        { kind: 'received', actor: 'ann@x.org', at: expect.any(String) },
        { kind: 'accessed', actor: 'root', at: expect.any(String), detail: 'content 0 (note.txt)' },
      ]);
      expect((await getJson(`${t.api}/records/${record.id}/events`, bob)).status).toBe(404);
    });

    it('ends a download with an error when the stored bytes changed, and audits the failure', async () => {
      const content = file(`to be damaged ${Math.random()}`);
      const record = makeRecord([content]);
      expect((await postRecord(t.api, ann, record, [content])).status).toBe(201);
      await damageBlob(t.server, sha256Hex(content.bytes));
      const errors: unknown[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => errors.push(args);
      try {
        const response = await getJson(`${t.api}/records/${record.id}/content/0`, ann);
        expect(response.status).toBe(200);
        await expect(response.arrayBuffer()).rejects.toThrow();
      } finally {
        console.error = original;
      }
      expect(String(errors[0])).toMatch(/Fixity failure/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { items } = await (await getJson(`${t.api}/records/${record.id}/events`, ann)).json();
      expect(items.map((event: { kind: string }) => event.kind)).toContain('fixity-failed');
    });
  });

  describe('immutability', () => {
    it('answers PUT, PATCH and DELETE on a record or its content with 405', async () => {
      const content = file('immutable');
      const record = makeRecord([content]);
      expect((await postRecord(t.api, ann, record, [content])).status).toBe(201);
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        for (const path of [`/records/${record.id}`, `/records/${record.id}/content/0`]) {
          const response = await fetch(`${t.api}${path}`, { method, headers: { authorization: `Bearer ${ann}` } });
          expect(response.status).toBe(405);
          expect(response.headers.get('allow')).toBe('GET');
          expect(response.headers.get('content-type')).toMatch(/problem\+json/);
        }
      }
      expect(await (await getJson(`${t.api}/records/${record.id}/content/0`, ann)).text()).toBe('immutable');
    });
  });

  describe('PUT /presets', () => {
    const put = (token: string, body: unknown) =>
      fetch(`${t.api}/presets`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('refuses a user token with 403', async () => {
      expect((await put(ann, { ...DEMO_PRESETS, version: 8 })).status).toBe(403);
    });

    it('answers 422 listing every problem with its path, and keeps the active version', async () => {
      const before = await getJson(`${t.api}/presets`, ann);
      const invalid = {
        ...DEMO_PRESETS,
        version: 9,
        profiles: [{ ...DEMO_PRESETS.profiles[0], recordType: 5 }],
        filePlan: [{ ...DEMO_PRESETS.filePlan[0], title: 7 }],
      };
      const response = await put(admin, invalid);
      expect(response.status).toBe(422);
      const body = await response.json();
      expect(body.errors.length).toBeGreaterThanOrEqual(2);
      const paths = body.errors.map((error: { path: string }) => error.path);
      expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/^\$\.profiles\[0\]/)]));
      expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/^\$\.filePlan\[0\]\.title/)]));
      const after = await getJson(`${t.api}/presets`, ann);
      expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    });

    it('stores a higher version, returns it with its ETag, and refuses a version that is not higher', async () => {
      const next = { ...DEMO_PRESETS, version: 10, vocabularies: { ...DEMO_PRESETS.vocabularies, hr: ['leave'] } };
      const response = await put(admin, next);
      expect(response.status).toBe(200);
      const etag = response.headers.get('etag');
      expect(await response.json()).toEqual(next);
      const current = await getJson(`${t.api}/presets`, ann);
      expect(current.headers.get('etag')).toBe(etag);
      expect((await current.json()).version).toBe(10);
      const notModified = await fetch(`${t.api}/presets`, {
        headers: { authorization: `Bearer ${ann}`, 'if-none-match': etag! },
      });
      expect(notModified.status).toBe(304);

      const stale = await put(admin, { ...DEMO_PRESETS, version: 10 });
      expect(stale.status).toBe(409);
      expect((await stale.json()).detail).toMatch(/higher/);
      expect((await getJson(`${t.api}/presets`, ann)).headers.get('etag')).toBe(etag);
    });

    it('answers 400 for a body that is not JSON', async () => {
      const response = await fetch(`${t.api}/presets`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: '{"version": ',
      });
      expect(response.status).toBe(400);
    });
  });

  describe('tokens', () => {
    it('lists tokens without the secret and answers 401 once one is revoked', async () => {
      const token = await t.server.createToken('dora@x.org', false);
      expect((await getJson(`${t.api}/records`, token)).status).toBe(200);
      const listed = (await listTokens(t.server.db)).find((info) => info.user === 'dora@x.org')!;
      expect(listed).toMatchObject({ admin: false, lastUsedAt: expect.any(Date), revokedAt: null });
      expect(listed.id).toMatch(/^[0-9a-f]{12}$/);
      expect(token).not.toContain(listed.id);
      expect(await revokeToken(t.server.db, listed.id)).toEqual({ ok: true });
      expect((await getJson(`${t.api}/records`, token)).status).toBe(401);
      expect(await revokeToken(t.server.db, '000000000000')).toMatchObject({ ok: false });
    });
  });
});
