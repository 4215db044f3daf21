import { browser } from 'wxt/browser';
import type { Connector } from '../connectors/connector';
import { type MergedPresets, mergePresets } from '../presets/merge';
import type { Presets } from '../presets/schema';
import { appHostPatterns, browserPatterns } from '../presets/site-scripts';
import { type CheckedLayer, checkImportedText, checkPolicy, checkRepositoryDocument } from '../presets/sources';
import type { PolicyConnection } from '../settings';
import { type PresetsSourceRecord, presetsSources } from '../storage';
import type { PresetsSourceView, PresetsStatus } from '../ui/views';

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
type SourceRecord = PresetsSourceRecord;

const read = (source: SourceName): Promise<SourceRecord> => presetsSources[source].get();
const write = (source: SourceName, record: SourceRecord): Promise<void> => presetsSources[source].set(record);

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
      connector: checked.connector,
      connectorOptions: checked.connectorOptions,
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

/** The repository a presets copy belongs to: the connector's URL, else the connector itself. */
export interface RepositoryRef {
  /** Identifies the repository (its URL); another repository's copy is never used. */
  key: string;
  /** The connector in use; one without `fetchPresets` serves none (presets come from policy or a file). */
  connector: Connector;
}

/** Fetches the repository's presets through its connector, with the ETag of the copy in hand (304 keeps it). */
export async function refreshRepositoryPresets(repository: RepositoryRef | undefined): Promise<void> {
  if (!repository) return;
  const previous = await read('repository');
  const sameRepository = previous.from === repository.key;
  const kept = sameRepository ? previous : {};
  const { connector } = repository;
  if (!connector.fetchPresets || !connector.describe().servesPresets) {
    await write('repository', {
      state: 'absent',
      error: `This repository (${connector.id}) does not serve presets: they come from policy or an imported file.`,
      from: repository.key,
    });
    return;
  }
  let answer: Awaited<ReturnType<NonNullable<Connector['fetchPresets']>>>;
  try {
    answer = await connector.fetchPresets(sameRepository ? previous.etag : undefined);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await write('repository', { ...kept, state: 'unreachable', error: reason, from: repository.key });
    return;
  }
  if (answer.status === 'not-modified') {
    if (sameRepository) {
      await write('repository', {
        ...previous,
        state: previous.lastGood ? 'ok' : previous.state,
        receivedAt: Date.now(),
      });
    }
    return;
  }
  await accept('repository', checkRepositoryDocument(answer.document), { etag: answer.etag, from: repository.key });
}

/** Whether the repository's copy is older than its own refresh interval (default 5 minutes). */
export async function repositoryPresetsStale(now: number): Promise<boolean> {
  const record = await read('repository');
  const minutes = record.lastGood?.repository?.presetsRefreshMinutes ?? 5;
  return !record.receivedAt || now - record.receivedAt >= minutes * 60_000;
}

export async function importLocalPresets(text: string): Promise<void> {
  await accept('local', checkImportedText(text));
}

export async function clearLocalPresets(): Promise<void> {
  await write('local', { state: 'absent' });
}

async function sources(): Promise<Record<SourceName, SourceRecord>> {
  const [policy, repository, local] = await Promise.all([read('policy'), read('repository'), read('local')]);
  return { policy, repository, local };
}

function merge(records: Record<SourceName, SourceRecord>, repositoryKey: string | undefined): MergedPresets {
  const repository =
    repositoryKey !== undefined && records.repository.from === repositoryKey ? records.repository.lastGood : undefined;
  return mergePresets({ policy: records.policy.lastGood, repository, local: records.local.lastGood });
}

/**
 * The presets in force, with the copy of the repository `repositoryKey` names (`RepositoryRef.key`). A
 * declaration reads them once when it starts and keeps them to the end.
 */
export async function loadPresets(repositoryKey?: string): Promise<Presets> {
  return merge(await sources(), repositoryKey).presets;
}

/** The connection settings and locks the organisation set by policy, if it did (utils/settings.ts). */
export async function policySettings(): Promise<PolicyConnection> {
  const policy = await read('policy');
  if (!policy.lastGood) return { locked: [] };
  return {
    repositoryUrl: policy.repositoryUrl,
    connector: policy.connector,
    connectorOptions: policy.connectorOptions,
    locked: policy.lastGood.locked ?? [],
  };
}

/** The three sources as stored, and the presets merged from them for one repository. */
export interface PresetsState {
  records: Record<SourceName, SourceRecord>;
  merged: MergedPresets;
}

/**
 * One read of the three sources and their merge, from which both the presets in force and their status are
 * made: the background keeps it until a source or the settings change (utils/ui/presets-memo.ts).
 */
export async function readPresetsState(repositoryKey?: string): Promise<PresetsState> {
  const records = await sources();
  return { records, merged: merge(records, repositoryKey) };
}

export async function presetsStatus(
  repositoryKey: string | undefined,
  hasAccess: (pattern: string) => Promise<boolean> = async () => false,
): Promise<PresetsStatus> {
  return statusOf(await readPresetsState(repositoryKey), hasAccess);
}

/** The status of presets already read; only the site plugins' access is asked again. */
export async function statusOf(
  { records, merged }: PresetsState,
  hasAccess: (pattern: string) => Promise<boolean> = async () => false,
): Promise<PresetsStatus> {
  const view = (source: SourceName): PresetsSourceView => {
    const record = records[source];
    return {
      source,
      state: record.state,
      version: record.version,
      receivedAt: record.receivedAt,
      problems: record.problems,
      error: record.error,
      usingLastGood: record.state !== 'ok' && record.lastGood !== undefined,
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
