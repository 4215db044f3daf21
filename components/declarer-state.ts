import type { Detection } from '../utils/detectors/types';
import type { CaptureNote, DeclareResult } from '../utils/messaging';
import type { OutboxView } from '../utils/outbox/view';
import type { CategoryInfo } from '../utils/presets/slices';
import type { Suggestion } from '../utils/presets/suggest';
import type { PriorLookup } from '../utils/records/prior';
import type { DeclareValues } from './DeclareForm';

/**
 * The Declarer's state as one reducer: which items are ticked and shown, what the user edited, and how each
 * declaration of a batch went and where its record stands. Pure, so the batch logic is tested without a page.
 */

export interface Item {
  key: string;
  detection: Detection;
  /** What the presets suggest for it; absent while not asked yet. */
  suggestion?: Suggestion | null | undefined;
  /** A local file, declared with `file.declare` instead of `record.declare`. */
  file?: { name: string; base64: string } | undefined;
}

export type Outcome =
  | { status: 'waiting' | 'declaring' }
  | { status: 'declared'; id: string; view?: OutboxView | null; capture?: CaptureNote | undefined }
  | { status: 'failed'; error: string; canDeclareMetadataOnly: boolean };

export interface DeclarerState {
  files: Item[];
  fileErrors: string[];
  /** Categories named by suggestions that came after the form opened (dropped files). */
  categories: CategoryInfo[];
  edited: Record<string, DeclareValues>;
  checked: ReadonlySet<string>;
  active: string | undefined;
  /** The user tried to declare: problems show from then on. */
  attempted: boolean;
  busy: boolean;
  outcomes: Record<string, Outcome>;
  prior: Record<string, PriorLookup>;
  /** Bumped when a declaration stopped at a problem, so the form moves the focus to it. */
  focusInvalid: number;
  /** How many times the declared records were looked up; paces the follow-up. */
  looks: number;
}

export type DeclarerAction =
  | { type: 'check'; keys: string[]; on: boolean }
  | { type: 'activate'; key: string }
  | { type: 'edit'; key: string; values: DeclareValues }
  | { type: 'files'; added: Item[]; errors: string[]; categories: CategoryInfo[] }
  | { type: 'prior'; found: Record<string, PriorLookup> }
  | { type: 'invalid'; key: string }
  | { type: 'batch'; keys: string[] }
  | { type: 'declaring'; key: string }
  | { type: 'result'; key: string; result: DeclareResult }
  | { type: 'batchDone' }
  | { type: 'looked'; views: { key: string; id: string; view: OutboxView | null | undefined }[] };

export const FINAL_STATES: ReadonlySet<OutboxView['state']> = new Set(['synced', 'needs-attention']);

export function initialState(firstKey: string | undefined): DeclarerState {
  return {
    files: [],
    fileErrors: [],
    categories: [],
    edited: {},
    checked: new Set(firstKey ? [firstKey] : []),
    active: firstKey,
    attempted: false,
    busy: false,
    outcomes: {},
    prior: {},
    focusInvalid: 0,
    looks: 0,
  };
}

function withChecked(checked: ReadonlySet<string>, keys: string[], on: boolean): Set<string> {
  const next = new Set(checked);
  for (const key of keys) {
    if (on) next.add(key);
    else next.delete(key);
  }
  return next;
}

export function declarerReducer(state: DeclarerState, action: DeclarerAction): DeclarerState {
  switch (action.type) {
    case 'check':
      return {
        ...state,
        checked: withChecked(state.checked, action.keys, action.on),
        active: action.on && action.keys.length === 1 ? action.keys[0] : state.active,
      };
    case 'activate':
      return { ...state, active: action.key };
    case 'edit':
      return { ...state, edited: { ...state.edited, [action.key]: action.values } };
    case 'files': {
      const known = new Set(state.categories.map((c) => c.id));
      const categories = [...state.categories, ...action.categories.filter((c) => !known.has(c.id))];
      if (!action.added.length) return { ...state, fileErrors: action.errors, categories };
      // Dropping files says what to declare now: the files, not what was ticked on the page before.
      return {
        ...state,
        files: [...state.files, ...action.added],
        fileErrors: action.errors,
        categories,
        checked: new Set(action.added.map((item) => item.key)),
        active: action.added[0]!.key,
      };
    }
    case 'prior':
      return { ...state, prior: { ...state.prior, ...action.found } };
    case 'invalid':
      return { ...state, attempted: true, active: action.key, focusInvalid: state.focusInvalid + 1 };
    case 'batch':
      return {
        ...state,
        busy: true,
        outcomes: { ...state.outcomes, ...Object.fromEntries(action.keys.map((key) => [key, { status: 'waiting' }])) },
      };
    case 'declaring':
      return { ...state, outcomes: { ...state.outcomes, [action.key]: { status: 'declaring' } } };
    case 'result': {
      const { result } = action;
      const outcome: Outcome = result.ok
        ? { status: 'declared', id: result.id, capture: result.capture }
        : { status: 'failed', error: result.error, canDeclareMetadataOnly: result.canDeclareMetadataOnly };
      return {
        ...state,
        outcomes: { ...state.outcomes, [action.key]: outcome },
        checked: result.ok ? withChecked(state.checked, [action.key], false) : state.checked,
      };
    }
    case 'batchDone':
      return { ...state, busy: false };
    case 'looked': {
      const outcomes = { ...state.outcomes };
      for (const { key, id, view } of action.views) {
        // A failed look (undefined) keeps what was known; null says the outbox no longer has the record.
        const was = state.outcomes[key];
        const capture = was?.status === 'declared' ? was.capture : undefined;
        if (view !== undefined) outcomes[key] = { status: 'declared', id, view, capture };
      }
      return { ...state, outcomes, looks: state.looks + 1 };
    }
  }
}

/** The declared records whose state may still change: not yet looked up, or not in a final state. */
export function followed(state: DeclarerState): { key: string; id: string }[] {
  return Object.entries(state.outcomes).flatMap(([key, outcome]) =>
    outcome.status === 'declared' &&
    (outcome.view === undefined || (outcome.view !== null && !FINAL_STATES.has(outcome.view.state)))
      ? [{ key, id: outcome.id }]
      : [],
  );
}

/** Where a batch stands: the items with an outcome, how many are declared, and the "n of m" while it runs. */
export function progressOf(state: DeclarerState, items: readonly Item[]) {
  const done = items.filter((item) => state.outcomes[item.key]);
  const declared = done.filter((item) => state.outcomes[item.key]!.status === 'declared').length;
  const finished = done.filter((item) => ['declared', 'failed'].includes(state.outcomes[item.key]!.status)).length;
  return {
    done,
    declared,
    /** 1-based number of the item being declared, and how many the batch has; undefined when idle. */
    running: state.busy ? ([finished + 1, done.length] as const) : undefined,
    remaining: items.filter((item) => state.outcomes[item.key]?.status !== 'declared'),
  };
}
