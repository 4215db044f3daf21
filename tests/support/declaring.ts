/**
 * A Gmail message as the declaring tests see it: its detection, the popup's request, and a page that serves its
 * original. Test-only.
 */
import { sha256Hex } from '../../utils/capture/bytes';
import type { DeclareDeps } from '../../utils/declaring/declare';
import type { Detection } from '../../utils/detectors/types';
import type { OutboxDb } from '../../utils/outbox/db';
import { EMPTY_PRESETS } from '../../utils/presets/schema';

/** A Gmail message whose original is downloaded (`view=att`); `originator` as the page shows the sender. */
export function gmailDetection(originator: string): Detection {
  return {
    source: {
      app: 'gmail',
      kind: 'email',
      url: 'https://mail.google.com/mail/u/0/#inbox/x',
      sourceId: 'gmail:msg-f:1',
    },
    title: 'Quarterly report',
    metadata: { originator },
    capture: {
      parts: [
        {
          source: 'fetch',
          url: 'https://mail.google.com/mail/u/0/?view=att',
          name: 'message.eml',
          mimeType: 'message/rfc822',
          role: 'primary',
        },
      ],
    },
    via: 'test',
  };
}

/** What the popup sends to declare `detection` under the general profile, with `tags`. */
export function declareRequest(detection: Detection, tags: string[] = []) {
  return { detection, title: 'Quarterly report', profileId: 'general', tags, fields: {}, metadataOnly: false };
}

/** A page that serves `bytes` for every download, handed over in chunks as the content script does. */
export function serving(bytes: Uint8Array | undefined, chunk = 4) {
  return async (_url: string, stage: (n: number, bytes: Uint8Array) => Promise<void>) => {
    if (!bytes) return { ok: false as const, error: 'The site refused to give the original (HTTP 403).' };
    let n = 0;
    for (let offset = 0; offset < bytes.byteLength; offset += chunk)
      await stage(n++, bytes.slice(offset, offset + chunk));
    return {
      ok: true as const,
      size: bytes.byteLength,
      chunks: n,
      chunkSize: chunk,
      sha256: await sha256Hex(bytes),
      mimeType: 'message/rfc822',
    };
  };
}

/**
 * What `declare` needs, with no presets, a fixed clock, and a tab whose downloads `streamInTab` serves and whose
 * snapshot fails; `extra` replaces any of it.
 */
export function declareDeps(
  db: OutboxDb,
  streamInTab: DeclareDeps['streamInTab'],
  extra: Partial<DeclareDeps> = {},
): DeclareDeps {
  return {
    db,
    presets: EMPTY_PRESETS,
    now: () => new Date('2026-11-23T10:00:00Z'),
    captureInTab: async () => ({ ok: false, error: 'no snapshot' }),
    streamInTab,
    ...extra,
  };
}
