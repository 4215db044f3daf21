import { type ComponentChildren, render } from 'preact';
import { act } from 'preact/test-utils';
import { vi } from 'vitest';
import en from '../public/_locales/en/messages.json';
import type { Detection } from '../utils/detectors/types';
import type { DataOf, MessageType, ResultOf } from '../utils/messaging';
import { compactPlan, formPresets, suggestAll } from '../utils/presets/slices';
import { NO_CHOICES } from '../utils/records/choices';
import type { Api } from '../utils/ui/api';
import { translator } from '../utils/ui/i18n';
import { popupStart } from '../utils/ui/popup-start';
import type { Item } from './declarer-state';
import { I18n } from './i18n';

/** Test helpers for components: an Api that answers from a table, and rendering in English. */

export const tEn = translator(en as Record<string, { message: string }>);

/** The `n`-th of several Gmail messages found on a page, as the declarer lists them. */
export const mailItem = (n: number): Item => ({
  key: `k${n}`,
  detection: {
    source: { app: 'gmail', kind: 'email', url: 'https://mail.google.com/', sourceId: `s${n}` },
    title: `Message ${n}`,
    metadata: {},
    capture: { parts: [] },
    via: 'test',
  } satisfies Detection,
});

export type Answers = { [K in MessageType]?: (data: DataOf<K>) => ResultOf<K> | Promise<ResultOf<K>> };

export function fakeApi(answers: Answers) {
  const calls: [string, unknown][] = [];
  const listeners = new Set<() => void>();
  const api: Api = {
    call: vi.fn(async (type: MessageType, data: unknown) => {
      calls.push([type, data]);
      const answer = answers[type] as ((data: unknown) => unknown) | undefined;
      if (!answer) throw new Error(`unexpected ${type}`);
      return answer(data) as never;
    }),
    subscribe(_notice, listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  /** What the background's `notifyPages` does: tells every subscriber. */
  const notify = () => {
    for (const listener of listeners) listener();
  };
  return { api, calls, notify };
}

/**
 * Adds the answers the background composes from simple ones (`popup.start` from `tab.detections`,
 * `presets.get` and `choices.get`; `presets.form`; `presets.plan`; `presets.suggest`), with the same pure functions
 * it uses. As in the background, remembered choices that cannot be read count as none.
 */
export function composed(answers: Answers): Answers {
  const presets = async () => answers['presets.get']!({});
  const choices = async () => {
    try {
      return (await answers['choices.get']?.({})) ?? NO_CHOICES;
    } catch {
      return NO_CHOICES;
    }
  };
  return {
    ...answers,
    'popup.start': async ({ tabId }) =>
      popupStart(await answers['tab.detections']!({ tabId }), await presets(), await choices()),
    'presets.form': async () => formPresets(await presets()),
    'presets.plan': async () => compactPlan((await presets()).filePlan),
    'presets.suggest': async ({ detections }) => suggestAll(await presets(), detections, await choices()),
  };
}

export const flush = () => act(() => new Promise((done) => setTimeout(done, 0)));

export async function mountIn(node: ComponentChildren): Promise<HTMLElement> {
  const root = document.createElement('main');
  document.body.append(root);
  render(<I18n.Provider value={tEn}>{node}</I18n.Provider>, root);
  await flush();
  await flush();
  return root;
}

export function unmount(root: HTMLElement | undefined) {
  if (!root) return;
  render(null, root);
  root.remove();
}

export async function type(input: HTMLInputElement | HTMLSelectElement, value: string) {
  await act(() => {
    input.value = value;
    input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  });
}

export async function key(target: Element, key: string) {
  await act(() => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  });
}

export const byText = (root: ParentNode, selector: string, text: string) =>
  [...root.querySelectorAll<HTMLElement>(selector)].find((el) => el.textContent?.trim() === text);
