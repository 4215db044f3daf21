export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5_000, capMs: 60 * 60_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): exponential with full jitter (AWS "Exponential Backoff
 * and Jitter"), never shorter than the server's Retry-After.
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
  { baseMs, capMs }: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Moved to utils/connectors/http.ts with the rest of what connectors need from an HTTP answer; import it there. */
export { parseRetryAfter } from '../connectors/http';
