// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { base64ToBytes } from './bytes';
import { snapshotPage } from './snapshot';

function load(html: string): Document {
  document.documentElement.innerHTML = html;
  return document;
}

async function snapshotText(doc: Document, fetchImpl?: typeof fetch): Promise<string> {
  const result = await snapshotPage(
    doc,
    'https://team.notion.site/Plan-0123456789abcdef0123456789abcdef',
    new Date('2026-11-23T10:00:00Z'),
    fetchImpl,
  );
  if (!result.ok) throw new Error(result.error);
  expect(result.mimeType).toBe('text/html');
  return new TextDecoder().decode(base64ToBytes(result.base64));
}

describe('snapshotPage', () => {
  it('keeps the text and removes everything that could run', async () => {
    const doc = load(`<head><title>Plan</title><script>steal()</script></head>
      <body><h1 onclick="steal()">Plan <img src=x onerror="steal()"></h1>
      <iframe name="evil"></iframe><a href="javascript:steal()">link</a><p>Budget: 12 000</p>
      <form action="/x"><input name=q></form></body>`);
    const before = doc.documentElement.outerHTML;
    const html = await snapshotText(
      doc,
      vi.fn(async () => new Response('', { status: 404 })),
    );
    expect(html).toContain('<title>Plan</title>');
    expect(html).toContain('Budget: 12 000');
    expect(html).not.toMatch(/<script|onclick|onerror|<iframe|javascript:|<form/i);
    expect(html).toContain(
      '<meta name="recordkeeper:source" content="https://team.notion.site/Plan-0123456789abcdef0123456789abcdef">',
    );
    expect(html).toContain('<meta name="recordkeeper:captured-at" content="2026-11-23T10:00:00.000Z">');
    // The page itself is untouched.
    expect(doc.documentElement.outerHTML).toBe(before);
  });

  it('inlines same-origin images and leaves other origins as absolute links', async () => {
    const doc = load('<body><img src="/logo.png"><img src="https://cdn.example/x.png"></body>');
    const png = new Uint8Array([137, 80, 78, 71]);
    const fetchImpl = vi.fn(async () => new Response(png, { headers: { 'Content-Type': 'image/png' } }));
    const html = await snapshotText(doc, fetchImpl as never);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(html).toContain('src="data:image/png;base64,iVBORw=="');
    expect(html).toContain('src="https://cdn.example/x.png"');
  });

  it('leaves an image as a link when its fetch was redirected to another site (issue 10 item 11)', async () => {
    const doc = load('<body><img src="/avatar.png"></body>');
    const png = new Uint8Array([137, 80, 78, 71]);
    const fetchImpl = vi.fn(async () => {
      const answer = new Response(png, { headers: { 'Content-Type': 'image/png' } });
      Object.defineProperty(answer, 'url', { value: 'https://tracker.example/pixel.png' });
      return answer;
    });
    const html = await snapshotText(doc, fetchImpl as never);
    expect(html).not.toContain('data:image/png');
    expect(html).toContain('src="https://team.notion.site/avatar.png"');
  });

  it('refuses a snapshot over the size limit', async () => {
    const doc = load(`<body><p>${'x'.repeat(5000)}</p></body>`);
    const result = await snapshotPage(doc, 'https://a.example/', new Date(), fetch, {
      imageBytes: 0,
      images: 0,
      totalBytes: 1000,
    });
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('over the 1000-byte limit') });
  });
});
