import type { Counter } from './counters';

/** What the extension pages are told about detector health and page skeletons (types only: no code reaches them). */

export interface HealthView {
  /** Most recently seen first. */
  counters: Counter[];
  /** When counting started (install or the last reset). */
  since: number;
  diagnostics: {
    /** The organisation's policy sends the counts to the repository. */
    counts: boolean;
    /** The organisation's policy lets users send page skeletons. */
    skeletons: boolean;
    /** Why nothing is sent although the policy says so (another kind of repository, none set up). */
    blocked?: string | undefined;
    /** Policy values that were not understood. */
    problems: string[];
    lastSentAt?: number | undefined;
    lastError?: string | undefined;
  };
}

/** Why the user reports the page: nothing was found on it, or the wrong thing. */
export type SkeletonReason = 'nothing' | 'wrong';

export type SkeletonAnswer =
  | {
      ok: true;
      /** A file name for the download. */
      name: string;
      /** The skeleton file (HTML). */
      html: string;
      /** The page address as the skeleton keeps it. */
      url: string;
      takenAt: string;
      bytes: number;
      /** Whether it may be sent to the repository, and why not when it may not. */
      upload: { allowed: boolean; blocked?: string | undefined };
    }
  | { ok: false; error: string };
