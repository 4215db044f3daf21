import { describe, expect, it } from 'vitest';
import { pageRecord } from '../../tests/support/records';
import type { DeclaredRecord, Receipt } from '../records/record';
import { type Connector, ConnectorError, type Json, type PartSource } from './connector';
import { type DeliveryProgress, deliver, readProgress } from './deliver';

const sha = (n: number) => String(n).repeat(64).slice(0, 64);

function record(parts: number): DeclaredRecord {
  return pageRecord({
    id: '0193a5b0-0000-7000-8000-000000000001',
    content: Array.from({ length: parts }, (_, i) => ({
      role: i === 0 ? ('primary' as const) : ('attachment' as const),
      name: `part-${i}.bin`,
      mimeType: 'application/octet-stream',
      size: 10,
      sha256: sha(i + 1),
    })),
    declaredAt: '2026-11-30T10:00:00Z',
  });
}

const sources = (n: number): PartSource[] =>
  Array.from({ length: n }, (_, index) => ({
    index,
    size: 10,
    chunkSize: 5,
    chunks: 2,
    chunk: async () => new ArrayBuffer(5),
  }));

/** A repository in memory that counts what it was asked, with a fault to throw once at a chosen call. */
function toyRepository() {
  const calls: string[] = [];
  const stored = new Map<string, { pieces: number }>();
  let created: string | undefined;
  let faultAt: string | undefined;
  const step = (name: string) => {
    calls.push(name);
    if (faultAt === name) {
      faultAt = undefined;
      throw new ConnectorError(`lost the answer to ${name}`, 'retryable');
    }
  };
  const connector: Connector = {
    id: 'toy',
    describe: () => ({
      maxSinglePartBytes: 5,
      resumableParts: true,
      digest: 'sha256',
      existing: 'property-query',
      declaration: 'separate-call',
      findsBySource: false,
      servesPresets: false,
    }),
    probe: async () => ({ ok: true }),
    resolveTarget: async () => {
      step('target');
      return { folder: 'f1' };
    },
    findExisting: async (rec) => {
      step('find');
      return created === rec.id ? { node: rec.id } : undefined;
    },
    sendPart: async ({ entry, part, checkpoint, save }) => {
      const key = entry.name;
      const have = (checkpoint as { pieces?: number } | undefined)?.pieces ?? 0;
      const item = stored.get(key) ?? { pieces: 0 };
      // A resumed part continues at its checkpoint: the repository never receives a piece twice.
      expect(item.pieces).toBe(have);
      for (let n = have; n < part.chunks; n++) {
        step(`piece:${key}:${n}`);
        item.pieces = n + 1;
        stored.set(key, item);
        await save({ pieces: n + 1 });
      }
      return key;
    },
    commit: async ({ record: rec, refs }) => {
      step('commit');
      created = rec.id;
      return { node: rec.id, parts: refs };
    },
    finalize: async (rec, _target, committed) => {
      step('finalize');
      return {
        id: rec.id,
        url: `https://repo.example/${(committed as { node: string }).node}`,
        receivedAt: '2026-11-30T10:00:01Z',
        content: rec.content.map(({ name, sha256, size }) => ({ name, sha256, size })),
      } satisfies Receipt;
    },
    verify: async () => {
      step('verify');
      return undefined;
    },
  };
  return {
    connector,
    calls,
    stored,
    failOnce: (name: string) => {
      faultAt = name;
    },
  };
}

function memoryProgress() {
  let saved: unknown;
  return {
    get: async () => (saved === undefined ? undefined : structuredClone(saved)),
    save: async (progress: DeliveryProgress) => {
      saved = structuredClone(progress);
    },
    peek: () => saved as DeliveryProgress | undefined,
  };
}

describe('deliver', () => {
  it('takes every step once, in order, and answers the receipt', async () => {
    const repo = toyRepository();
    const receipt = await deliver(repo.connector, record(2), sources(2), memoryProgress());
    expect(receipt.url).toBe('https://repo.example/0193a5b0-0000-7000-8000-000000000001');
    expect(repo.calls).toEqual([
      'target',
      'find',
      'piece:part-0.bin:0',
      'piece:part-0.bin:1',
      'piece:part-1.bin:0',
      'piece:part-1.bin:1',
      'commit',
      'finalize',
      'verify',
    ]);
  });

  it.each(['target', 'find', 'piece:part-0.bin:1', 'piece:part-1.bin:0', 'commit', 'finalize'])(
    'resumes after a failure at %s without repeating what was acknowledged',
    async (at) => {
      const repo = toyRepository();
      const store = memoryProgress();
      repo.failOnce(at);
      await expect(deliver(repo.connector, record(2), sources(2), store)).rejects.toThrow(`lost the answer to ${at}`);
      const receipt = await deliver(repo.connector, record(2), sources(2), store);
      expect(receipt.id).toBe(record(2).id);
      // Every piece reached the repository exactly once, and the record was created once.
      const pieces = repo.calls.filter((c) => c.startsWith('piece:'));
      expect(new Set(pieces).size).toBe(pieces.length - (at.startsWith('piece:') ? 1 : 0));
      expect(repo.calls.filter((c) => c === 'commit').length).toBe(at === 'commit' ? 2 : 1);
    },
  );

  it('finds a record whose create answer was lost instead of creating it again', async () => {
    const repo = toyRepository();
    const first = memoryProgress();
    await deliver(repo.connector, record(1), sources(1), first);
    // The outbox lost its progress (say, the answer to commit never arrived and nothing was saved).
    const calls = repo.calls.length;
    await deliver(repo.connector, record(1), sources(1), memoryProgress());
    expect(repo.calls.slice(calls)).toEqual(['target', 'find', 'finalize', 'verify']);
  });

  it('drops progress made towards another connector, and progress it cannot read', () => {
    expect(readProgress({ connector: 'other', parts: { 0: { ref: 'x' } } }, 'toy')).toEqual({
      connector: 'toy',
      parts: {},
    });
    expect(readProgress({ connector: 'toy', parts: { zero: {} } }, 'toy')).toEqual({ connector: 'toy', parts: {} });
    expect(readProgress('garbage', 'toy')).toEqual({ connector: 'toy', parts: {} });
  });

  it('refuses a receipt that does not validate, and a copy that does not verify', async () => {
    const repo = toyRepository();
    const broken = { ...repo.connector, finalize: async () => ({ id: 'nope' }) as unknown as Receipt };
    await expect(deliver(broken, record(1), sources(1), memoryProgress())).rejects.toMatchObject({
      kind: 'permanent',
    });
    const lying = { ...toyRepository().connector, verify: async () => 'part 1 is 9 bytes, not 10' };
    await expect(deliver(lying, record(1), sources(1), memoryProgress())).rejects.toThrow('part 1 is 9 bytes');
  });

  it('hands a person a stored record this version’s schema refuses, instead of retrying it forever', async () => {
    const repo = toyRepository();
    const old = { ...record(1), title: '' };
    await expect(deliver(repo.connector, old, sources(1), memoryProgress())).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringMatching(/^The record is not valid .*title: /),
    });
    expect(repo.calls).toEqual([]);
  });

  it('refuses a record whose parts are not all in the outbox', async () => {
    const repo = toyRepository();
    await expect(deliver(repo.connector, record(2), sources(1), memoryProgress())).rejects.toMatchObject({
      kind: 'permanent',
    });
    expect(repo.calls).toEqual([]);
  });
});

describe('what deliver saves', () => {
  it('writes nothing for a record whose steps left nothing worth resuming', async () => {
    const repo = toyRepository();
    const quick: Connector = {
      ...repo.connector,
      describe: () => ({ ...repo.connector.describe(), declaration: 'on-create' }),
      sendPart: async ({ entry }) => entry.name,
    };
    const store = memoryProgress();
    let saves = 0;
    await deliver(quick, record(2), sources(2), {
      ...store,
      save: async (progress) => {
        saves += 1;
        await store.save(progress);
      },
    });
    expect(saves).toBe(0);
  });

  it('forgets parts the repository lost, so the next attempt sends them again', async () => {
    const repo = toyRepository();
    let lose = true;
    const forgetful: Connector = {
      ...repo.connector,
      commit: async (request) => {
        if (lose) {
          lose = false;
          throw new ConnectorError('upload expired', 'retryable', { lostParts: [1] });
        }
        return repo.connector.commit(request);
      },
    };
    const store = memoryProgress();
    await expect(deliver(forgetful, record(2), sources(2), store)).rejects.toThrow('upload expired');
    expect(Object.keys(store.peek()!.parts)).toEqual(['0']);
    repo.stored.delete('part-1.bin');
    await deliver(forgetful, record(2), sources(2), store);
    expect(repo.calls.filter((c) => c.startsWith('piece:part-1.bin'))).toHaveLength(4);
    expect(repo.calls.filter((c) => c.startsWith('piece:part-0.bin'))).toHaveLength(2);
  });

  it('refuses a receipt whose link is not a web address (issue 10 item 11)', async () => {
    const repo = toyRepository();
    const lying: Connector = {
      ...repo.connector,
      finalize: async (rec, target, committed) => ({
        ...(await repo.connector.finalize(rec, target, committed)),
        url: 'javascript:alert(document.domain)',
      }),
    };
    await expect(deliver(lying, record(1), sources(1), memoryProgress())).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringContaining('not a web address'),
    });
  });
});

// The checkpoint type is plain JSON: a connector cannot hand the outbox anything it could not store.
const _checkpointIsJson: Json = { pieces: 1, url: 'https://x', ranges: ['0-'] };
void _checkpointIsJson;
