// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskUrl } from './mask';
import { skeletonOf } from './skeleton';
import { skeletonFile, skeletonFileName, skeletonHeaderOf } from './skeleton-file';

const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html');

/** Every canary is a distinct word holding "canary"; none may be found in a skeleton, in any case. */
let serial = 0;
const canary = () => `Zq${++serial}canary`;
const expectNoCanary = (text: string) => expect(text.match(/[^\s"'<>=]*canary[^\s"'<>=]*/gi) ?? []).toEqual([]);

/** A page with a canary wherever a page can hold content. */
function plantedPage(): { html: string; url: string; planted: number } {
  const before = serial;
  const c = canary;
  const html = `<!doctype html>
<html lang="en" data-user="${c()}">
<head>
<meta charset="utf-8">
<title>${c()} – Inbox</title>
<meta name="description" content="${c()}">
<meta property="og:url" content="https://mail.google.com/mail/u/0/#inbox/${c()}">
<base href="https://example.org/${c()}/">
<link rel="canonical" href="https://example.org/doc/${c()}?q=${c()}#${c()}">
<link rel="preload" href="/s.css?v=${c()}">
<style>.x::after { content: "${c()}"; background: url("https://example.org/${c()}.png") }</style>
<script>window.user = { name: "${c()}", token: '${c()}' }; // ${c()}
</script>
<script type="application/json" id="data">{"${c()}": "${c()}", "list": [1, "${c()}", {"deep": "${c()}"}]}</script>
<script type="application/ld+json">{"@context": "https://schema.org", "name": "${c()}", "author": {"email": "${c()}@x.org"}}</script>
<script src="https://cdn.example.org/app.js?build=${c()}"></script>
</head>
<body class="${c()} main" style="background: url(${c()})">
<!-- ${c()} -->
<div id="${c()}" role="main" aria-label="${c()}" data-message-id="#msg-f:${c()}" data-legacy-thread-id="${c()}">
  <h2 class="hP" title="${c()}">${c()} re: ${c()}</h2>
  <span class="gD" email="${c()}@example.org" name="${c()}">${c()}</span>
  <a href="https://drive.google.com/file/d/${c()}/view?usp=sharing#${c()}" ping="${c()}" download="${c()}.pdf">${c()}</a>
  <img src="https://lh3.example.org/${c()}.png" srcset="https://a.example/${c()} 1x, /b/${c()} 2x" alt="${c()}" title="${c()}">
  <form action="/search?${c()}=1" method="post"><input name="q" value="${c()}" placeholder="${c()}" aria-describedby="${c()}">
  <textarea>${c()}</textarea><select><option value="${c()}" label="${c()}">${c()}</option></select>
  <button type="${c()}" formaction="/${c()}">${c()}</button></form>
  <time datetime="${c()}">${c()}</time>
  <iframe srcdoc="<p title='${c()}'>${c()}</p>" src="https://example.org/${c()}"></iframe>
  <video poster="/${c()}.jpg"><source src="/${c()}.mp4"><track label="${c()}" src="/${c()}.vtt"></video>
  <svg><title>${c()}</title><text x="1">${c()}</text><use xlink:href="#${c()}" href="#${c()}"></use></svg>
  <template id="tpl"><p title="${c()}">${c()}</p><script>var s = "${c()}"</script></template>
  <noscript>${c()}</noscript>
  <div role="${c()}" aria-checked="${c()}" lang="${c()}" dir="${c()}" rel="${c()}">&#x43;anary ${c()}</div>
  <div id="host"></div>
</div>
</body>
</html>`;
  const url = `https://mail.google.com/mail/u/0/#label/${c()}/FMfcgz${c()}?compose=${c()}`;
  return { html, url, planted: serial - before };
}

describe('a page skeleton', () => {
  it('keeps no canary from text, attributes, addresses, scripts, JSON, comments, templates or shadow roots', () => {
    const { html, url, planted } = plantedPage();
    expect(planted).toBeGreaterThan(60);
    const document = parse(html);
    // Set by the page's script after load: an input's typed value and an open shadow root.
    (document.querySelector('input') as HTMLInputElement).value = canary();
    const shadow = document.getElementById('host')!.attachShadow({ mode: 'open' });
    shadow.innerHTML = `<p class="card" title="${canary()}">${canary()}</p><slot name="${canary()}"></slot>`;

    const { body, truncated } = skeletonOf(document);
    const file = skeletonFile(
      { format: 1, url: maskUrl(url), takenAt: '2026-12-01T10:00:00.000Z', reason: 'nothing' },
      body,
    );
    expect(truncated).toBe(false);
    expectNoCanary(file);
    // It did walk into the template and the shadow root, and it kept structure.
    expect(body).toMatch(
      /<div id="aaaa"><template shadowrootmode="open"><p class="aaaa" title="x+">x+<\/p><slot name="Aa0+a+">/,
    );
    expect(body).toMatch(/<template id="aaa"><p title="x+">x+<\/p><script>xxx x x x+<\/script><\/template>/);
    expect(body).toContain('role="main"');
    expect(body).toContain('<h2 class="aA" title="');
    expect(body).toContain('<script type="application/ld+json">');
    expect(body).toContain('<meta property="og:url" content="');
    // Attribute names are structure, kept as the page has them (data-* names included).
    expect(body).toMatch(/ data-message-id="x+" data-legacy-thread-id="x+"/);
    expect(file).toContain('https://mail.google.com/mail/u/0/#label/');
  });

  it('has the same elements as the page and text of the same length', () => {
    const page = parse(readFileSync('utils/health/fixtures/gmail-attachment-cards.html', 'utf8'));
    const skeleton = parse(skeletonOf(page).body);
    const tags = (d: Document) => Array.from(d.querySelectorAll('*'), (e) => e.localName);
    expect(tags(skeleton)).toEqual(tags(page));
    expect(skeleton.body.textContent?.length).toBe(page.body.textContent?.length);
    expect(skeleton.body.textContent?.replace(/[x\s]/g, '')).toBe('');
    // Attribute names stay, in order.
    const names = (d: Document) => Array.from(d.querySelectorAll('*'), (e) => e.getAttributeNames().join(' '));
    expect(names(skeleton)).toEqual(names(page));
  });

  it('keeps nothing of a real Gmail page with a canary in every text and attribute value', () => {
    const page = parse(readFileSync('utils/health/fixtures/gmail-attachment-cards.html', 'utf8'));
    let planted = 0;
    const walker = page.createTreeWalker(page.documentElement, 0x1 | 0x4);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === 3) {
        (node as Text).data += ` ${canary()}`;
        planted++;
      } else {
        for (const name of (node as Element).getAttributeNames()) {
          (node as Element).setAttribute(name, `${(node as Element).getAttribute(name)} ${canary()}`);
          planted++;
        }
      }
    }
    expect(planted).toBeGreaterThan(300);
    expectNoCanary(skeletonOf(page).body);
  });

  it('walks a page nested twelve thousand levels deep, and stops at its size limit', () => {
    const deep = parse('<body></body>');
    let parent: Element = deep.body;
    for (let i = 0; i < 12_000; i++) parent = parent.appendChild(deep.createElement('div'));
    expect(skeletonOf(deep).elements).toBeGreaterThan(12_000);
    const big = parse(`<body>${'<p>text</p>'.repeat(1500)}</body>`);
    const cut = skeletonOf(big, 10_000);
    expect(cut.truncated).toBe(true);
    expect(cut.body.length).toBeLessThan(10_100);
  });
});

describe('a skeleton file', () => {
  it('says what it is in its first comment, which reads back', () => {
    const header = {
      format: 1 as const,
      url: 'https://x.example/a--b/<c>',
      takenAt: '2026-12-01T10:00:00.000Z',
      reason: 'wrong' as const,
    };
    const file = skeletonFile(header, '<!doctype html>\n<html><body>xx</body></html>');
    expect(file.indexOf('-->')).toBe(file.indexOf('\n') - 3);
    expect(skeletonHeaderOf(file)).toEqual(header);
    expect(parse(file).body.textContent).toBe('xx');
    expect(skeletonHeaderOf('<!doctype html><p>page')).toBeUndefined();
    expect(skeletonHeaderOf('<!--recordkeeper-skeleton {"format":2}-->')).toBeUndefined();
  });

  it('is named after the host and the time only', () => {
    expect(skeletonFileName('https://mail.google.com/mail/u/0/#inbox/x', '2026-12-01T10:00:00.000Z')).toBe(
      'skeleton-mail.google.com-20261201-100000.html',
    );
  });
});
