import { browser } from 'wxt/browser';
import type { DataOf, MessageType, Notice, ResultOf } from '../messaging';

/**
 * What the popup and options pages may ask of the background. Components receive this as a prop and never touch
 * `browser.*`, so tests can hand them a fake.
 */
export interface Api {
  call<T extends MessageType>(type: T, data: DataOf<T>): Promise<ResultOf<T>>;
  /** Calls `listener` each time the background sends `notice` (utils/messaging.ts `notifyPages`) until the returned function is called. */
  subscribe(notice: Notice, listener: () => void): () => void;
}

type Answer = { ok: true; value: unknown } | { ok: false; error: string } | undefined;

/**
 * The pages' side of utils/messaging.ts's envelope (`{ type, data }` out, `{ ok, value | error }` back). It imports
 * the protocol's types only, so the popup loads none of the schemas the background checks messages with.
 */
export const backgroundApi: Api = {
  async call(type, data) {
    const answer = (await browser.runtime.sendMessage({ type, data })) as Answer;
    if (!answer) throw new Error(`No answer to ${type}: the receiving side is not running.`);
    if (!answer.ok) throw new Error(answer.error);
    return answer.value as never;
  },
  subscribe(notice, listener) {
    const onMessage = (raw: unknown) => {
      if ((raw as { type?: unknown } | null)?.type !== notice) return undefined;
      listener();
      // Answered, so that the background's notice settles rather than waiting on a port that never answers.
      return Promise.resolve({ ok: true, value: undefined });
    };
    browser.runtime.onMessage.addListener(onMessage as never);
    return () => browser.runtime.onMessage.removeListener(onMessage as never);
  },
};
