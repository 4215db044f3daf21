import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphFake } from '../../../tests/fakes/graph/server';
import { fakeTenant, testTokens } from '../../../tests/fakes/graph/tenant';
import type { Detection } from '../../detectors/types';
import { GraphClient } from './graph';
import { outlookItemId, outlookOriginal } from './outlook';

// A real multipart message with three attachments (utils/capture/parse/fixtures/SOURCES.md).
const MIME = readFileSync(new URL('../../capture/parse/fixtures/mailparser_nodemailer.eml', import.meta.url));
const EWS_ID = 'AAkALgAAAAAAHYQDEapmEc2byACqAC/EWg0AW+cmLmKbGEmFYZIq3fsaQwAAAAAmkQAA';
const REST_ID = 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AW_cmLmKbGEmFYZIq3fsaQwAAAAAmkQAA';

function detection(itemId: string, sourceId = `outlook:${itemId}`): Detection {
  return {
    source: {
      app: 'outlook',
      kind: 'email',
      url: `https://outlook.office.com/mail/inbox/id/${encodeURIComponent(itemId)}`,
      sourceId,
    },
    title: 'Nodemailer is unicode friendly ✔',
    metadata: { mimeType: 'message/rfc822', originator: 'Andris Kreata', identifiers: { itemId, folder: 'inbox' } },
    capture: { parts: [{ source: 'snapshot', name: 'message.html', role: 'primary' }] },
    via: 'url-id',
  };
}

let fake: GraphFake;
afterEach(() => fake?.close(), 60_000);

const client = (f: GraphFake) => new GraphClient({ base: f.url, fetch, now: Date.now, token: testTokens(f) });

// Servers on loopback on a busy machine: generous time, never a fixed sleep.
describe('Outlook originals through Graph', { timeout: 120_000 }, () => {
  it('converts the page’s EWS item id, fetches the MIME and reads it like a Gmail message', async () => {
    fake = await fakeTenant();
    fake.addMessage(REST_ID, MIME, EWS_ID);
    const original = await outlookOriginal(client(fake), detection(EWS_ID), { withAttachments: true });
    expect(original).toBeDefined();
    const { detection: read, parts } = original!;
    expect(read.source.sourceId).toBe('<012d606e-3550-2d94-b566-6cd996de88e3@kreata.ee>');
    expect(read.metadata.originator).toBe('Andris Kreata <andris@kreata.ee>');
    expect(read.metadata.addressees).toEqual(['Andris Reinman <andris+123@kreata.ee>', 'andris.reinman@gmail.com']);
    expect(read.metadata.identifiers).toMatchObject({
      itemId: EWS_ID,
      restId: REST_ID,
      appSourceId: `outlook:${EWS_ID}`,
    });
    expect(parts[0]!.entry).toMatchObject({
      role: 'primary',
      name: 'message.eml',
      mimeType: 'message/rfc822',
      size: MIME.length,
    });
    expect(Buffer.from(parts[0]!.bytes as ArrayBuffer).equals(MIME)).toBe(true);
    // As the email reader gives them for a Gmail message: an unnamed text part too.
    expect(parts.slice(1).map((p) => p.entry.name)).toEqual([
      'attachment-1.txt',
      'image.png',
      'nyan cat ✔.gif',
      'notes.txt',
    ]);
    expect(parts.slice(1).every((p) => p.entry.role === 'attachment')).toBe(true);
    const calls = fake.requests.map((r) => `${r.method} ${decodeURIComponent(r.path)}`);
    expect(calls).toEqual(['POST /v1.0/me/translateExchangeIds', `GET /v1.0/me/messages/${REST_ID}/$value`]);
  });

  it('uses a REST-shaped id as it is, and converts it only when Graph does not know it', async () => {
    fake = await fakeTenant();
    fake.addMessage(REST_ID, MIME);
    await outlookOriginal(client(fake), detection(REST_ID), { withAttachments: false });
    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);

    fake.addMessage('AAMkOther', MIME, 'AAMkLooksRest');
    const viaTranslation = await outlookOriginal(client(fake), detection('AAMkLooksRest'), { withAttachments: false });
    expect(viaTranslation!.parts).toHaveLength(1);
    expect(fake.requests.slice(1).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 404', 'POST 200', 'GET 200']);
  });

  it('leaves conversation views alone, and says why Graph could not give the message', async () => {
    fake = await fakeTenant();
    expect(outlookItemId(detection(REST_ID, `outlook:${REST_ID}/2026-11-20T09:14:00Z`))).toBeUndefined();
    expect(
      await outlookOriginal(client(fake), detection(REST_ID, `outlook:${REST_ID}/1`), { withAttachments: true }),
    ).toBeUndefined();
    await expect(outlookOriginal(client(fake), detection(EWS_ID), { withAttachments: true })).rejects.toThrow(
      'Graph could not convert the Outlook item id',
    );
  });
});
