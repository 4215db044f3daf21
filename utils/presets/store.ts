import ky from 'ky';
import { browser } from 'wxt/browser';
import { apiBase, type StoredSettings } from '../settings';
import type { PresetsSourceView, PresetsStatus } from '../ui/views';
import { type MergedPresets, mergePresets, type PresetsLayer } from './merge';
import type { Presets } from './schema';
import { appHostPatterns, browserPatterns } from './site-scripts';
import { type CheckedLayer, checkImportedText, checkPolicy, checkRepositoryDocument } from './sources';
import type { PresetsProblem } from './validate';

async function waiting(patterns: string[], hasAccess: (pattern: string) => Promise<boolean>): Promise<string[]> {
  const answers = await Promise.all(patterns.map((pattern) => hasAccess(pattern).catch(() => false)));
  return patterns.filter((_, i) => !answers[i]);
}

/**
 * Background only: the three presets sources, each kept with its last good copy, and the presets in force
 * merged from them (utils/presets/merge.ts has the rule). A source that turns bad is reported and its last good
 * copy stays in use; nothing here throws at a caller for a bad document.
 */

type SourceName = 'policy' | 'repository' | 'local';

interface SourceRecord {
  state: PresetsSourceView['state'];
  lastGood?: PresetsLayer | undefined;
  version?: number | undefined;
  receivedAt?: number | undefined;
  problems?: PresetsProblem[] | undefined;
  error?: string | undefined;
  /** Repository: the ETag of the last good document, for If-None-Match. */
  etag?: string | undefined;
  /** Repository: which repository the copy came from; another repository's presets are not used. */
  from?: string | undefined;
  /** Policy: the repository URL the organisation set. */
  repositoryUrl?: string | undefined;
}

const key = (source: SourceName) => `presets.source.${source}`;

async function read(source: SourceName): Promise<SourceRecord | undefined> {
  return (await browser.storage.local.get(key(source)))[key(source)] as SourceRecord | undefined;
}

async function write(source: SourceName, record: SourceRecord): Promise<void> {
  await browser.storage.local.set({ [key(source)]: record });
}

/** Records a checked document: a good one replaces the last good copy, a bad one is reported beside it. */
async function accept(source: SourceName, checked: CheckedLayer, extra: Partial<SourceRecord> = {}): Promise<void> {
  const previous = await read(source);
  const now = Date.now();
  if (checked.ok) {
    await write(source, {
      ...extra,
      state: 'ok',
      lastGood: checked.layer,
      version: checked.version,
      receivedAt: now,
      repositoryUrl: checked.repositoryUrl,
    });
  } else {
    await write(source, {
      ...previous,
      ...extra,
      state: 'invalid',
      problems: checked.problems,
      error: undefined,
      receivedAt: now,
      etag: previous?.etag,
    });
  }
}

/** Reads enterprise policy (`storage.managed`). Browsers without policy answer with nothing or an error: absent. */
export async function refreshPolicy(): Promise<void> {
  let managed: unknown;
  try {
    managed = await browser.storage.managed.get();
  } catch {
    managed = {};
  }
  const checked = checkPolicy(managed);
  if (!checked) await write('policy', { state: 'absent' });
  else await accept('policy', checked);
}

/** Fetches the repository's presets with If-None-Match; 304 keeps the copy in hand. */
export async function refreshRepositoryPresets(settings: StoredSettings): Promise<void> {
  if (!settings.repositoryUrl || !settings.token) return;
  const previous = await read('repository');
  const sameRepository = previous?.from === settings.repositoryUrl;
  let response: Response;
  try {
    response = await ky.get('presets', {
      prefixUrl: apiBase(settings.repositoryUrl),
      headers: {
        Authorization: `Bearer ${settings.token}`,
        ...(sameRepository && previous?.etag ? { 'If-None-Match': previous.etag } : {}),
      },
      retry: 0,
      timeout: 30_000,
      throwHttpErrors: false,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await write('repository', {
      ...(sameRepository ? previous : {}),
      state: 'unreachable',
      error: reason,
      from: settings.repositoryUrl,
    });
    return;
  }
  if (response.status === 304 && sameRepository && previous) {
    await write('repository', {
      ...previous,
      state: previous.lastGood ? 'ok' : previous.state,
      receivedAt: Date.now(),
    });
    return;
  }
  if (!response.ok) {
    await write('repository', {
      ...(sameRepository ? previous : {}),
      state: 'unreachable',
      error: `The repository answered ${response.status} for its presets.`,
      from: settings.repositoryUrl,
    });
    return;
  }
  const document = await response.json().catch(() => null);
  await accept('repository', checkRepositoryDocument(document), {
    etag: response.headers.get('ETag') ?? undefined,
    from: settings.repositoryUrl,
  });
}

/** Whether the repository's copy is older than its own refresh interval (default 5 minutes). */
export async function repositoryPresetsStale(now: number): Promise<boolean> {
  const record = await read('repository');
  const minutes = record?.lastGood?.repository?.presetsRefreshMinutes ?? 5;
  return !record?.receivedAt || now - record.receivedAt >= minutes * 60_000;
}

export async function importLocalPresets(text: string): Promise<void> {
  await accept('local', checkImportedText(text));
}

export async function clearLocalPresets(): Promise<void> {
  await write('local', { state: 'absent' });
}

async function sources(): Promise<Record<SourceName, SourceRecord | undefined>> {
  const [policy, repository, local] = await Promise.all([read('policy'), read('repository'), read('local')]);
  return { policy, repository, local };
}

function merge(
  records: Record<SourceName, SourceRecord | undefined>,
  repositoryUrl: string | undefined,
): MergedPresets {
  const repository = records.repository?.from === repositoryUrl ? records.repository?.lastGood : undefined;
  return mergePresets({ policy: records.policy?.lastGood, repository, local: records.local?.lastGood });
}

/** The presets in force. A declaration reads them once when it starts and keeps them to the end. */
export async function loadPresets(repositoryUrl?: string): Promise<Presets> {
  return merge(await sources(), repositoryUrl).presets;
}

/** The repository URL and locks the organisation set by policy, if it did. */
export async function policySettings(): Promise<{ repositoryUrl?: string | undefined; locked: string[] }> {
  const policy = await read('policy');
  return { repositoryUrl: policy?.lastGood ? policy.repositoryUrl : undefined, locked: policy?.lastGood?.locked ?? [] };
}

export async function presetsStatus(
  repositoryUrl: string | undefined,
  hasAccess: (pattern: string) => Promise<boolean> = async () => false,
): Promise<PresetsStatus> {
  const records = await sources();
  const merged = merge(records, repositoryUrl);
  const view = (source: SourceName): PresetsSourceView => {
    const record = records[source];
    return {
      source,
      state: record?.state ?? 'absent',
      version: record?.version,
      receivedAt: record?.receivedAt,
      problems: record?.problems,
      error: record?.error,
      usingLastGood: record?.state !== 'ok' && record?.lastGood !== undefined,
    };
  };
  return {
    presets: merged.presets,
    origin: merged.origin,
    locked: merged.locked,
    sources: [view('policy'), view('repository'), view('local')],
    sitesNeedingAccess: await waiting(
      [...browserPatterns(merged.presets.sites), ...appHostPatterns(merged.presets.appHosts)],
      hasAccess,
    ),
  };
}
