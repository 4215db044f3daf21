import type { MicrosoftAccountView } from '../connectors/microsoft-365/account';
import type { TabDetections } from '../messaging';
import type { Presets } from '../presets/schema';
import { type FormPresets, formPresets, suggestAll } from '../presets/slices';
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
  /** The Microsoft 365 account when that is the repository (the popup offers a sign-in only when sending needs one). */
  account?: MicrosoftAccountView | null | undefined;
}

export function popupStart(
  tab: TabDetections,
  presets: Presets,
  choices: Choices,
  account?: MicrosoftAccountView | null,
): PopupStart {
  const { suggestions, categories } = suggestAll(presets, tab.detections, choices);
  const form = formPresets(presets);
  const known = new Set(form.categories.map((c) => c.id));
  return {
    tab,
    presets: { ...form, categories: [...form.categories, ...categories.filter((c) => !known.has(c.id))] },
    choices,
    suggestions,
    ...(account ? { account } : {}),
  };
}
