import { browser } from 'wxt/browser';

/** A message of `public/_locales/<lang>/messages.json`, with `$1`…`$9` filled from the substitutions. */
export type Translate = (key: string, substitutions?: string | number | readonly (string | number)[]) => string;

function list(substitutions: Parameters<Translate>[1]): string[] {
  if (substitutions === undefined) return [];
  return (Array.isArray(substitutions) ? substitutions : [substitutions]).map(String);
}

/** The browser's own lookup: the UI language is the browser's. A missing key shows as itself, so it is noticed. */
export const t: Translate = (key, substitutions) =>
  // WXT types getMessage with the keys it knew at build time; the keys are checked by i18n.test.ts instead.
  (browser.i18n.getMessage as (name: string, substitutions?: string[]) => string)(key, list(substitutions)) || key;

/** The language the browser shows the extension in, for `<html lang>` and date formatting. */
export function uiLanguage(): string {
  return browser.i18n.getUILanguage?.() || 'en';
}

/** A `Translate` over a messages.json object, for tests and for pages rendered outside the extension. */
export function translator(messages: Record<string, { message: string }>): Translate {
  return (key, substitutions) => {
    const entry = messages[key];
    if (!entry) return key;
    const values = list(substitutions);
    return entry.message.replace(/\$(\d|\$)/g, (_, n: string) => (n === '$' ? '$' : (values[Number(n) - 1] ?? '')));
  };
}
