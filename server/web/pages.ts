import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { DeclaredRecord, Receipt } from '../../utils/records/record.ts';
import type { DiagnosticSummary, SkeletonInfo } from '../diagnostics.ts';
import type { RecordEvent } from '../records.ts';

/**
 * The HTML of the page for people. Every value goes through hono/html's `html` template, which escapes it; no
 * page has inline script or style, so the CSP can forbid both.
 */
type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface Filters {
  q?: string | undefined;
  category?: string | undefined;
  tag?: string | undefined;
  declaredBy?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function layout(title: string, body: Html, user?: string): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Recordkeeper</title>
<link rel="stylesheet" href="/ui.css">
</head>
<body>
<header class="top">
  <p class="brand"><a href="/records">Recordkeeper</a></p>
  ${
    user
      ? html`<nav aria-label="Account"><span>Signed in as ${user}</span>
  <form method="post" action="/signout"><button type="submit">Sign out</button></form></nav>`
      : ''
  }
</header>
<main id="main">
${body}
</main>
</body>
</html>`;
}

export function signInPage(options: { next: string; error?: string | undefined }): Html {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
<p>Paste the token your administrator gave you. It is kept in a cookie this browser sends only to this site.</p>
${options.error ? html`<p class="error" role="alert" id="signin-error">${options.error}</p>` : ''}
<form method="post" action="/signin" class="signin">
  <input type="hidden" name="next" value="${options.next}">
  <label for="token">Token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required
    ${options.error ? html`aria-describedby="signin-error" aria-invalid="true"` : ''}>
  <button type="submit">Sign in</button>
</form>`,
  );
}

export interface ListItem {
  record: DeclaredRecord;
  receipt: Receipt;
}

export function listPage(options: {
  user: string;
  filters: Filters;
  items: ListItem[];
  nextHref?: string | undefined;
  error?: string | undefined;
  /** An admin also gets the way to detector health. */
  admin?: boolean | undefined;
}): Html {
  const f = options.filters;
  const field = (name: keyof Filters, label: string, type = 'text') =>
    html`<div class="field"><label for="f-${name}">${label}</label>
<input id="f-${name}" name="${name}" type="${type}" value="${f[name] ?? ''}"></div>`;
  return layout(
    'Records',
    html`<h1>Records</h1>
${options.admin ? html`<p><a href="/diagnostics">Detector health</a></p>` : ''}
<search>
<form method="get" action="/records" class="filters" aria-label="Search records">
  ${field('q', 'Title contains', 'search')}
  ${field('category', 'Category')}
  ${field('tag', 'Tag')}
  ${field('declaredBy', 'Declared by')}
  ${field('from', 'Declared from', 'date')}
  ${field('to', 'Declared to', 'date')}
  <div class="actions"><button type="submit">Search</button> <a href="/records">Clear</a></div>
</form>
</search>
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
<table>
<caption>${options.items.length ? `${options.items.length} record(s), newest first` : 'No records match.'}</caption>
<thead><tr><th scope="col">Title</th><th scope="col">Category</th><th scope="col">Declared by</th><th scope="col">Declared at</th><th scope="col">Received at</th></tr></thead>
<tbody>
${options.items.map(
  ({ record, receipt }) => html`<tr>
<td><a href="/records/${record.id}">${record.title}</a></td>
<td>${record.classification.categoryId ?? '—'}</td>
<td>${record.declaredBy ?? '—'}</td>
<td><time datetime="${record.declaredAt}">${record.declaredAt}</time></td>
<td><time datetime="${receipt.receivedAt}">${receipt.receivedAt}</time></td>
</tr>`,
)}
</tbody>
</table>
${options.nextHref ? html`<nav aria-label="Pages"><a href="${options.nextHref}" rel="next">Next page</a></nav>` : ''}`,
    options.user,
  );
}

const pairs = (entries: [string, string | undefined][]) =>
  html`<dl>${entries
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;

const metadataText = (value: unknown): string =>
  Array.isArray(value)
    ? value.map((item) => (typeof item === 'object' && item ? JSON.stringify(item) : String(item))).join(', ')
    : typeof value === 'object' && value
      ? JSON.stringify(value)
      : String(value);

export function recordPage(options: { user: string; item: ListItem; events: RecordEvent[] }): Html {
  const { record, receipt } = options.item;
  return layout(
    record.title,
    html`<p><a href="/records">← All records</a></p>
<h1>${record.title}</h1>
<section aria-labelledby="h-record"><h2 id="h-record">Record</h2>
${pairs([
  ['Id', record.id],
  ['Source', `${record.source.app} ${record.source.kind}`],
  ['Source id', record.source.sourceId],
  ['Source URL', record.source.url],
  ['Declared by', record.declaredBy],
  ['Declared at', record.declaredAt],
  ['Received at', receipt.receivedAt],
])}</section>
<section aria-labelledby="h-class"><h2 id="h-class">Classification</h2>
${pairs([
  ['Profile', record.classification.profileId],
  ['Category', record.classification.categoryId],
  ['Record type', record.classification.recordType],
  ['Security marking', record.classification.securityMarking],
  ['Tags', record.tags.join(', ') || undefined],
])}</section>
<section aria-labelledby="h-fields"><h2 id="h-fields">Fields and metadata</h2>
${pairs([
  ...Object.entries(record.fields).map(([key, value]): [string, string] => [key, value]),
  ...Object.entries(record.metadata).map(([key, value]): [string, string] => [key, metadataText(value)]),
])}</section>
<section aria-labelledby="h-content"><h2 id="h-content">Content</h2>
${
  record.content.length
    ? html`<table>
<caption>Each file as declared; downloads are re-hashed against the SHA-256 shown.</caption>
<thead><tr><th scope="col">File</th><th scope="col">Role</th><th scope="col">Type</th><th scope="col">Bytes</th><th scope="col">SHA-256</th></tr></thead>
<tbody>${record.content.map(
        (entry, n) => html`<tr>
<td><a href="/records/${record.id}/content/${n}" download>${entry.name}</a></td>
<td>${entry.role}</td><td>${entry.mimeType}</td><td>${entry.size}</td><td><code>${entry.sha256}</code></td>
</tr>`,
      )}</tbody></table>`
    : html`<p>This record has no content files.</p>`
}</section>
<section aria-labelledby="h-audit"><h2 id="h-audit">Audit trail</h2>
<table>
<caption>Oldest first</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Who</th><th scope="col">When</th><th scope="col">Detail</th></tr></thead>
<tbody>${options.events.map(
      (event) => html`<tr><td>${event.kind}</td><td>${event.actor}</td>
<td><time datetime="${event.at.toISOString()}">${event.at.toISOString()}</time></td><td>${event.detail ?? ''}</td></tr>`,
    )}</tbody>
</table></section>`,
    options.user,
  );
}

const PROBLEM_WORDS: Record<string, string> = {
  'url-check-failed': 'URL check threw',
  'detect-failed': 'Detector threw',
  'not-a-list': 'Returned no list',
  'invalid-detection': 'Invalid detection',
  missed: 'Item in URL, nothing found',
};

/** Detector health for admins: which detector fails on which app and build, since when, for how many users. */
export function diagnosticsPage(options: {
  user: string;
  items: DiagnosticSummary[];
  skeletons: SkeletonInfo[];
}): Html {
  return layout(
    'Detector health',
    html`<p><a href="/records">← All records</a></p>
<h1>Detector health</h1>
<p>Counts the extensions sent when their organisation's policy allows it: page views where a detector failed or
found nothing although the address names an item. They carry no page content.</p>
<table>
<caption>${options.items.length ? 'Most recently seen first' : 'No problems reported.'}</caption>
<thead><tr><th scope="col">Detector</th><th scope="col">App</th><th scope="col">Build</th><th scope="col">Problem</th>
<th scope="col">Users</th><th scope="col">Page views</th><th scope="col">Since</th><th scope="col">Last seen</th></tr></thead>
<tbody>${options.items.map(
      (item) => html`<tr><td>${item.detector}</td><td>${item.app}</td><td>${item.build ?? '—'}</td>
<td>${PROBLEM_WORDS[item.problem] ?? item.problem}</td><td>${item.users}</td><td>${item.count}</td>
<td><time datetime="${item.firstSeen}">${item.firstSeen}</time></td><td><time datetime="${item.lastSeen}">${item.lastSeen}</time></td></tr>`,
    )}</tbody>
</table>
<h2>Page skeletons</h2>
<table>
<caption>${options.skeletons.length ? 'Newest first; text and values masked by the extension' : 'No skeletons sent.'}</caption>
<thead><tr><th scope="col">Page</th><th scope="col">Why</th><th scope="col">From</th><th scope="col">Taken at</th><th scope="col">Bytes</th></tr></thead>
<tbody>${options.skeletons.map(
      (skeleton) => html`<tr><td><a href="/diagnostics/skeletons/${skeleton.id}" download>${skeleton.url}</a></td>
<td>${skeleton.reason === 'wrong' ? 'Wrong item found' : 'Nothing found'}</td><td>${skeleton.user}</td>
<td><time datetime="${skeleton.takenAt}">${skeleton.takenAt}</time></td><td>${skeleton.size}</td></tr>`,
    )}</tbody>
</table>`,
    options.user,
  );
}

export function errorPage(status: number, message: string, user?: string): Html {
  return layout(
    status === 404 ? 'Not found' : 'Error',
    html`<h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1><p>${message}</p><p><a href="/records">All records</a></p>`,
    user,
  );
}

export const STYLESHEET = `
:root { color-scheme: light; font-family: system-ui, sans-serif; color: #1a1a1a; background: #fff; }
body { margin: 0; line-height: 1.5; }
a { color: #0b4fa8; }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid #0b4fa8; outline-offset: 2px; }
.top { display: flex; justify-content: space-between; align-items: center; padding: 0.5rem 1.5rem;
  background: #f2f4f7; border-bottom: 1px solid #c8ccd2; }
.top nav { display: flex; gap: 1rem; align-items: center; }
.top form { margin: 0; }
.brand { font-weight: 700; margin: 0; }
main { padding: 1rem 1.5rem; max-width: 72rem; }
.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; margin-bottom: 1rem; }
.field { display: flex; flex-direction: column; }
label { font-weight: 600; }
input { font: inherit; padding: 0.25rem 0.4rem; border: 1px solid #6b7280; border-radius: 3px; }
button { font: inherit; padding: 0.3rem 0.9rem; background: #0b4fa8; color: #fff; border: 0; border-radius: 3px; }
.signin { display: flex; flex-direction: column; gap: 0.5rem; max-width: 28rem; }
.error { color: #a40e26; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
caption { text-align: left; color: #4b5563; padding: 0.25rem 0; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #d1d5db; vertical-align: top; }
code { font-size: 0.85em; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
`;
