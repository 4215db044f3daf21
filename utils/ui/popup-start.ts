import type { MicrosoftAccountView } from '../connectors/microsoft-365/account';
import type { TabDetections } from '../messaging';
import { withCategories } from '../presets/form-categories';
import type { Presets } from '../presets/schema';
import { categoriesById, type FormPresets, formPresets, suggestAll } from '../presets/slices';
import type { Suggestion } from '../presets/suggest';
import type { Choices } from './views';

/**
 * The popup's one question on opening (`popup.start`): what the tab shows, the part of the presets the form
 * needs, the user's remembered choices and a suggestion per detection. The rules and the file plan stay in the
 * background; the plan follows in compact form once the form shows (`presets.plan`).
 */
export interface PopupStart {
  tab: TabDetections;
  /** Its categories include those the suggestions name. */
  presets: FormPresets;
  choices: Choices;
  /** One per detection of `tab`, in order. */
  suggestions: (Suggestion | null)[];
  /**
   * True when `presets` holds only what the first paint shows (a document with more than `FIRST_PROFILES`
   * profiles): the suggested profiles and the first one, with their vocabularies and default categories. The
   * popup asks for the whole form (`presets.form`) once the form is on screen.
   */
  partial?: boolean | undefined;
  /** The Microsoft 365 account when that is the repository (the popup offers a sign-in only when sending needs one). */
  account?: MicrosoftAccountView | null | undefined;
}

/**
 * Up to this many profiles the first answer carries them all (one round trip, a few KB). Beyond, the profiles
 * are most of the answer (200 profiles with three fields each: 93 KB of 120 KB), and the first paint shows one.
 */
export const FIRST_PROFILES = 20;

export function popupStart(
  tab: TabDetections,
  presets: Presets,
  choices: Choices,
  account?: MicrosoftAccountView | null,
): PopupStart {
  const { suggestions, categories } = suggestAll(presets, tab.detections, choices);
  const whole = formPresets(presets);
  const partial = whole.profiles.length > FIRST_PROFILES;
  const form = partial ? firstPaintSlice(presets, whole, suggestions) : whole;
  return {
    tab,
    presets: withCategories(form, categories),
    choices,
    suggestions,
    ...(partial ? { partial } : {}),
    ...(account ? { account } : {}),
  };
}

/** The profiles the form can show before the whole form arrives (the suggested ones and the first), and theirs. */
function firstPaintSlice(presets: Presets, whole: FormPresets, suggestions: readonly (Suggestion | null)[]) {
  const used = new Set([whole.profiles[0]?.id, ...suggestions.map((s) => s?.profileId)]);
  const profiles = whole.profiles.filter((p) => used.has(p.id));
  const vocabularies = Object.fromEntries(
    profiles.flatMap((p) => {
      const terms = p.tagVocabulary === undefined ? undefined : whole.vocabularies[p.tagVocabulary];
      return terms ? [[p.tagVocabulary!, terms]] : [];
    }),
  );
  const categories = categoriesById(
    presets.filePlan,
    profiles.map((p) => p.defaultCategory),
  );
  return { ...whole, profiles, vocabularies, categories };
}
