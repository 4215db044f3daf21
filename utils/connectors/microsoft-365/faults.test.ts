import { afterEach, describe, expect, it } from 'vitest';
import { clientConfigFor, type OpenIdProvider, startOpenIdProvider } from '../../../tests/fakes/graph/openid-provider';
import { type GraphFake, startGraphFake } from '../../../tests/fakes/graph/server';
import {
  bytesOf,
  COLUMNS,
  connectorFor,
  fakeTenant,
  MAPPING,
  memoryCredentials,
  memoryProgress,
  partSource,
  recordWith,
  testTokens,
} from '../../../tests/fakes/graph/tenant';
import { scopesFor } from '../../auth/microsoft';
import { OAuthSession } from '../../auth/oauth';
import type { DeclaredRecord, Receipt } from '../../records/record';
import { type Connector, ConnectorError, type PartSource } from '../connector';
import { deliver } from '../deliver';
import { quickXorHash } from './quickxorhash';

/**
 * Faults through `deliver()`, as the drain meets them: a worker stopped in the middle of an upload session, a burst
 * of throttling, the access token expiring mid-drain, a retention label SharePoint refuses, answers lost. In every
 * case the fake is checked afterwards: each part is stored once, whole, and nothing was sent twice.
 */

let fake: GraphFake;
let op: OpenIdProvider | undefined;
afterEach(async () => {
  await fake?.close();
  await op?.close();
  op = undefined;
}, 60_000);

const MiB = 1024 * 1024;
const uploads = (f: GraphFake) => f.requests.filter((r) => r.method === 'PUT' && r.path.startsWith('/upload/'));
const filesOf = (f: GraphFake) => f.files().filter((file) => !file.folder);

/** The drain's loop for one record: retry what may be retried, waiting what the repository asked. */
async function drain(
  make: () => Connector,
  record: DeclaredRecord,
  parts: PartSource[],
  store: ReturnType<typeof memoryProgress>,
  wait: (ms: number) => void = () => {},
): Promise<{ receipt: Receipt; failures: ConnectorError[] }> {
  const failures: ConnectorError[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return { receipt: await deliver(make(), record, parts, store), failures };
    } catch (error) {
      if (!(error instanceof ConnectorError) || !['retryable', 'throttled'].includes(error.kind)) throw error;
      failures.push(error);
      wait(error.retryAfterMs ?? 0);
    }
  }
  throw new Error('not delivered in 20 attempts');
}

// Servers on loopback on a busy machine: generous time, never a fixed sleep.
describe('Microsoft 365 delivery under faults', { timeout: 120_000 }, () => {
  it('resumes an upload session from the saved checkpoint after the worker stopped mid-upload', async () => {
    fake = await fakeTenant();
    const big = bytesOf(35 * MiB + 4321, 7);
    const record = await recordWith([{ name: 'recording.wav', bytes: big }]);
    const store = memoryProgress();
    const tokens = testTokens(fake);
    // The worker is stopped as it is about to send the third fragment: that request never leaves.
    let puts = 0;
    const dying: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && String(input).includes('/upload/') && ++puts === 3) {
        throw new TypeError('the service worker was stopped');
      }
      return fetch(input, init);
    };
    await expect(
      deliver(connectorFor(fake, tokens, { fetch: dying }), record, [partSource(0, big)], store),
    ).rejects.toMatchObject({
      kind: 'retryable',
    });
    const checkpoint = store.peek()!.parts[0]!.checkpoint as { uploadUrl: string; offset: number };
    expect(checkpoint.offset).toBe(20 * MiB);

    // A new worker: new connector, same outbox.
    const before = fake.requests.length;
    const receipt = await deliver(connectorFor(fake, tokens), record, [partSource(0, big)], store);
    const after = fake.requests.slice(before).filter((r) => r.path.startsWith('/upload/'));
    expect(after.map((r) => r.method)).toEqual(['GET', 'PUT', 'PUT']);
    expect(uploads(fake).filter((r) => r.status === 202 || r.status === 201)).toHaveLength(4);
    const files = filesOf(fake);
    expect(files).toHaveLength(1);
    expect(files[0]!.quickXorHash).toBe(quickXorHash(big));
    expect(Buffer.compare(files[0]!.bytes!, Buffer.from(big))).toBe(0);
    expect(receipt.content[0]!.quickXorHash).toBe(quickXorHash(big));
  });

  it('continues after a fragment whose answer was lost, without sending it again', async () => {
    fake = await fakeTenant();
    const big = bytesOf(33 * MiB, 8);
    const record = await recordWith([{ name: 'video.mp4', bytes: big }]);
    const store = memoryProgress();
    let n = 0;
    fake.loseAnswers(1, (method, path) => method === 'PUT' && path.startsWith('/upload/') && ++n === 2);
    const { failures } = await drain(() => connectorFor(fake, testTokens(fake)), record, [partSource(0, big)], store);
    expect(failures.map((f) => f.kind)).toEqual(['retryable']);
    // Four fragments reached the session once each; none was refused as a repeat (416).
    expect(uploads(fake).map((r) => r.status)).toEqual([202, -1, 202, 201]);
    expect(filesOf(fake)[0]!.quickXorHash).toBe(quickXorHash(big));
  });

  it('waits out a burst of 429s and 503s for exactly the Retry-After asked, and files once', async () => {
    let clock = Date.parse('2026-12-01T09:00:00Z');
    fake = await fakeTenant({ now: () => clock });
    const small = bytesOf(100_000, 9);
    const big = bytesOf(12 * MiB, 10);
    const record = await recordWith([
      { name: 'message.eml', bytes: small },
      { name: 'attachment.zip', bytes: big },
    ]);
    fake.throttle(3, '2.5');
    let fragments = 0;
    fake.throttle(1, '7', (method, path) => method === 'PUT' && path.startsWith('/upload/') && ++fragments === 2, 503);
    const waits: number[] = [];
    const { receipt, failures } = await drain(
      () => connectorFor(fake, testTokens(fake), { now: () => clock }),
      record,
      [partSource(0, small), partSource(1, big)],
      memoryProgress(),
      (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );
    expect(failures.every((f) => f.kind === 'throttled')).toBe(true);
    expect(waits).toEqual([2500, 2500, 2500, 7000]);
    // Never retried before the delay: Graph would have answered 429 again, and the fake counts those.
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(3);
    expect(fake.requests.filter((r) => r.status === 503)).toHaveLength(1);
    expect(uploads(fake).filter((r) => r.status === 202 || r.status === 201)).toHaveLength(2);
    expect(
      filesOf(fake)
        .map((f) => f.name)
        .sort(),
    ).toEqual(['attachment.zip', 'message.eml']);
    expect(receipt.content.map((c) => c.quickXorHash)).toEqual([quickXorHash(small), quickXorHash(big)]);
  });

  it('renews an access token that expires mid-drain (real OpenID provider) and carries on', async () => {
    op = await startOpenIdProvider();
    const provider = op;
    fake = await startGraphFake({
      verifyToken: async (token) => {
        const claims = await provider.verifyAccessToken(token);
        return { sub: String(claims.sub), scopes: String(claims.scope ?? '').split(' ') };
      },
    });
    fake.addSite('contoso.sharepoint.com', '/sites/records', [{ name: 'Records', columns: COLUMNS }]);
    fake.addLabel('HR case record', 'retainAsRecord');
    const session = new OAuthSession(
      clientConfigFor(op),
      { fetch, now: Date.now, credentials: memoryCredentials(), launchWebAuthFlow: op.launchWebAuthFlow },
      'microsoft-365.tokens',
    );
    const scopes = scopesFor(['file']);
    await session.signIn(scopes);
    const token = (options?: { forceRefresh?: boolean }) => session.accessToken(scopes, options);

    // The token expires right after the first record's first part is stored.
    let expired = false;
    const expiring: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!expired && init?.method === 'PUT' && String(input).includes('/content')) {
        expired = true;
        fake.expireTokens();
      }
      return response;
    };
    const records = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const a = bytesOf(20_000 + i, 20 + i);
        const b = bytesOf(40_000 + i, 30 + i);
        return {
          record: await recordWith([
            { name: 'message.eml', bytes: a },
            { name: 'scan.pdf', bytes: b },
          ]),
          parts: [a, b],
        };
      }),
    );
    const grants = op.tokenRequests.length;
    for (const { record, parts } of records) {
      await deliver(
        connectorFor(fake, token, { fetch: expiring }),
        record,
        parts.map((p, i) => partSource(i, p)),
        memoryProgress(),
      );
    }
    expect(expired).toBe(true);
    expect(op.tokenRequests.slice(grants)).toEqual(['refresh_token']);
    expect(fake.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(filesOf(fake)).toHaveLength(6);
    expect(filesOf(fake).every((f) => f.label?.name === 'HR case record')).toBe(true);
  });

  it('leaves a record whose label SharePoint refuses in needs-attention with SharePoint’s answer, then finishes it', async () => {
    fake = await fakeTenant();
    fake.addLabel('Regulatory finance', 'retainAsRegulatoryRecord', {
      status: 403,
      code: 'accessDenied',
      message: 'Access denied. Sites.FullControl.All is required for regulatory record labels.',
    });
    const pdf = bytesOf(50_000, 40);
    const record = await recordWith([{ name: 'invoice.pdf', bytes: pdf }], {
      classification: { categoryId: 'FIN/1', recordType: 'document' },
    });
    const store = memoryProgress();
    const error = await deliver(connectorFor(fake, testTokens(fake)), record, [partSource(0, pdf)], store).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'permanent', status: 403 });
    expect((error as Error).message).toContain('Regulatory finance');
    expect((error as Error).message).toContain('accessDenied: Access denied. Sites.FullControl.All is required');
    // The file and its columns are there, unlabelled; the outbox knows the commit was done.
    expect(filesOf(fake)).toHaveLength(1);
    expect(filesOf(fake)[0]!.label).toBeUndefined();
    expect(store.peek()!.committed).toBeDefined();

    // An administrator grants what was missing; the resend only applies the label.
    fake.addLabel('Regulatory finance', 'retainAsRegulatoryRecord');
    const before = fake.requests.length;
    const receipt = await deliver(connectorFor(fake, testTokens(fake)), record, [partSource(0, pdf)], store);
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path.split('/').pop()}`)).toEqual([
      'PATCH retentionLabel',
    ]);
    expect(filesOf(fake)).toHaveLength(1);
    expect(filesOf(fake)[0]!.label?.name).toBe('Regulatory finance');
    expect(receipt.content[0]!.quickXorHash).toBe(quickXorHash(pdf));
  });

  it('proves a part whose upload answer was lost is ours, by size and hash, and does not store it twice', async () => {
    fake = await fakeTenant();
    const mail = bytesOf(10_000, 50);
    const record = await recordWith([{ name: 'message.eml', bytes: mail }]);
    fake.loseAnswers(1, (method, path) => method === 'PUT' && path.endsWith('/content'));
    const { failures } = await drain(
      () => connectorFor(fake, testTokens(fake)),
      record,
      [partSource(0, mail)],
      memoryProgress(),
    );
    expect(failures).toHaveLength(1);
    const puts = fake.requests.filter((r) => r.method === 'PUT' && r.path.includes('/content'));
    expect(puts.map((r) => r.status)).toEqual([-1, 409]);
    expect(filesOf(fake)).toHaveLength(1);
  });

  it('delivers again from nothing after the outbox lost its progress, even once the record is locked', async () => {
    fake = await fakeTenant();
    const mail = bytesOf(10_000, 60);
    const big = bytesOf(11 * MiB, 61);
    const record = await recordWith([
      { name: 'message.eml', bytes: mail },
      { name: 'big.bin', bytes: big },
    ]);
    const parts = [partSource(0, mail), partSource(1, big)];
    const first = await deliver(connectorFor(fake, testTokens(fake)), record, parts, memoryProgress());
    const sessionsBefore = fake.requests.filter((r) => r.path.endsWith('/createUploadSession')).length;
    const again = await deliver(connectorFor(fake, testTokens(fake)), record, parts, memoryProgress());
    expect(again).toEqual(first);
    // The columns were found already set on the locked primary (423), not written again.
    expect(fake.requests.filter((r) => r.status === 423)).toHaveLength(1);
    expect(filesOf(fake)).toHaveLength(2);
    // The large part was found and proven by its hash, not uploaded a second time.
    expect(fake.requests.filter((r) => r.path.endsWith('/createUploadSession')).length).toBe(sessionsBefore);
  });

  it('refuses to take over a file of the same name with other content', async () => {
    fake = await fakeTenant();
    const mail = bytesOf(10_000, 70);
    const record = await recordWith([{ name: 'message.eml', bytes: mail }]);
    const parts = [partSource(0, mail)];
    await deliver(connectorFor(fake, testTokens(fake)), record, parts, memoryProgress());
    const [stored] = filesOf(fake);
    const item = fake.item(stored!.id)!;
    item.quickXorHash = quickXorHash(bytesOf(10_000, 71));
    item.label = undefined;
    await expect(deliver(connectorFor(fake, testTokens(fake)), record, parts, memoryProgress())).rejects.toMatchObject({
      kind: 'exists',
    });
    expect(filesOf(fake)).toHaveLength(1);
  });

  it('refuses an unmapped category before writing anything', async () => {
    fake = await fakeTenant();
    const record = await recordWith([{ name: 'a.txt', bytes: bytesOf(10, 80) }], {
      classification: { categoryId: 'LEGAL/9' },
    });
    await expect(
      deliver(
        connectorFor(fake, testTokens(fake), { mapping: MAPPING }),
        record,
        [partSource(0, bytesOf(10, 80))],
        memoryProgress(),
      ),
    ).rejects.toThrow('File-plan category LEGAL/9 has no Microsoft 365 library');
    expect(fake.requests).toHaveLength(0);
  });
});
