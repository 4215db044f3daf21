/**
 * Gmail's ids in their several forms.
 *
 * New Gmail puts an opaque token in the URL hash (`#inbox/FMfcgz…`). It is the base64 text of the sync id
 * (`f:<decimal>` for a server thread, `a:r<signed>` for a thread not yet synced, `f:<thread>+msg-a:r<…>` for a
 * draft) re-written in a 40-letter consonant alphabet. The scheme is InboxSDK's `encodeDraftUrlId.ts`; the
 * vectors in `utils/detectors/fixtures/gmail/gmail-url-token-decoding.json` check it. Older Gmail used the 16-hex
 * "legacy" id, which is the same number as the decimal id in hex.
 */

const TOKEN_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZbcdfghjklmnpqrstvwxz';
const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Real tokens are 32–75 letters; anything far longer is not a Gmail token and is refused before any BigInt work. */
const MAX_TOKEN_LENGTH = 200;
const TOKEN_PATTERN = new RegExp(`^[${TOKEN_ALPHABET}]{16,${MAX_TOKEN_LENGTH}}$`);
const SYNC_ID = /^(f:\d{1,20}|a:r-?\d{1,20})(?:\+(msg-[fa]:r?-?\d{1,20}))?$/;
const THREAD_ID = /^thread-(f:\d{1,20}|a:r-?\d{1,20})$/;
const MESSAGE_ID = /^msg-(f:\d{1,20}|a:r-?\d{1,20})$/;
const DECIMAL_ID = /^\d{1,20}$/;
const HEX_ID = /^[0-9a-f]{1,16}$/i;
const MAX_ID = (1n << 64n) - 1n;

export interface DecodedToken {
  /** The raw text inside the token, e.g. `f:1750360559522271241`. */
  decoded: string;
  /** `thread-f:<decimal>` or `thread-a:r<signed>`. */
  threadId: string;
  /** Present for draft tokens: `msg-a:r<signed>` (or `msg-f:<decimal>`). */
  messageId?: string;
}

function convertBase(digits: string, from: string, to: string): string | null {
  const fromBase = BigInt(from.length);
  const toBase = BigInt(to.length);
  let value = 0n;
  for (const ch of digits) {
    const digit = from.indexOf(ch);
    if (digit < 0) return null;
    value = value * fromBase + BigInt(digit);
  }
  let out = '';
  while (value > 0n) {
    out = to[Number(value % toBase)] + out;
    value /= toBase;
  }
  return out;
}

/** Decodes a URL token to the thread (and draft message) id; `null` when it is not a Gmail token. Never throws. */
export function decodeGmailToken(token: string): DecodedToken | null {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
  const b64 = convertBase(token, TOKEN_ALPHABET, B64_ALPHABET);
  if (!b64 || b64.length % 4 === 1) return null;
  let decoded: string;
  try {
    decoded = atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='));
  } catch {
    return null;
  }
  const match = SYNC_ID.exec(decoded);
  if (!match) return null;
  const threadId = `thread-${match[1]}`;
  return match[2] ? { decoded, threadId, messageId: match[2] } : { decoded, threadId };
}

/** Encodes a thread id (and, for a draft, its message id) to the URL token Gmail shows; `null` on bad input. */
export function encodeGmailToken(threadId: string, messageId?: string): string | null {
  const thread = THREAD_ID.exec(threadId);
  if (!thread) return null;
  if (messageId !== undefined && !MESSAGE_ID.test(messageId)) return null;
  const raw = messageId ? `${thread[1]}+${messageId}` : `${thread[1]}`;
  return convertBase(btoa(raw).replace(/=+$/, ''), B64_ALPHABET, TOKEN_ALPHABET);
}

/** `1750360559522271241` → `184a87a7b32dd009`; `null` when not a 64-bit decimal id. */
export function decimalToHex(decimal: string): string | null {
  if (typeof decimal !== 'string' || !DECIMAL_ID.test(decimal)) return null;
  const value = BigInt(decimal);
  return value > MAX_ID ? null : value.toString(16);
}

/** `184a87a7b32dd009` → `1750360559522271241`; `null` when not a hex id. */
export function hexToDecimal(hex: string): string | null {
  if (typeof hex !== 'string' || !HEX_ID.test(hex)) return null;
  return BigInt(`0x${hex}`).toString(10);
}

/** Server ids carry the receipt time: `id >> 20` is epoch milliseconds. ISO string, or `null` if out of range. */
export function timestampFromId(decimal: string): string | null {
  if (typeof decimal !== 'string' || !DECIMAL_ID.test(decimal)) return null;
  const ms = Number(BigInt(decimal) >> 20n);
  // Gmail started in 2004; a time before that or far in the future means this is not a Gmail id.
  if (ms < Date.UTC(2004, 0, 1) || ms > Date.UTC(2200, 0, 1)) return null;
  return new Date(ms).toISOString();
}
