import type { ProbeResult } from '../connectors/connector';
import type { PresetsOrigin } from '../presets/merge';
import type { Presets } from '../presets/schema';
import type { PresetsProblem } from '../presets/validate';

/** One source of presets as the options page and the popup show it. */
export interface PresetsSourceView {
  source: 'policy' | 'repository' | 'local';
  /** `absent`: nothing from this source; `invalid`: the latest copy was rejected (the last good one stays in use). */
  state: 'ok' | 'absent' | 'invalid' | 'unreachable';
  version?: number | undefined;
  /** When the source last gave a document (epoch ms). */
  receivedAt?: number | undefined;
  problems?: PresetsProblem[] | undefined;
  /** What went wrong reaching the source, e.g. the repository's error. */
  error?: string | undefined;
  /** Whether a last good copy of this source is in use despite the problems. */
  usingLastGood?: boolean | undefined;
}

/** The presets in force, where each section came from, what is locked, and every source's state. */
export interface PresetsStatus {
  presets: Presets;
  origin: Partial<Record<keyof Presets, PresetsOrigin>>;
  locked: string[];
  sources: PresetsSourceView[];
  /** Match patterns of the admin's site plugins that still wait for the one-click host-permission grant. */
  sitesNeedingAccess: string[];
}

// The remembered choices are the domain's (utils/presets/choices.ts); views re-export them for the UI.
export type { Choices } from '../presets/choices';

/** The connection test's answer: the connector's probe (utils/connectors/connector.ts), refined by the background. */
export type ConnectionTest = ProbeResult;

/** One line of the local audit trail kept beside the outbox (retries, discards). */
export interface AuditLine {
  at: number;
  recordId: string;
  action: 'declared' | 'retried' | 'discarded' | 'synced';
  detail?: string | undefined;
}
