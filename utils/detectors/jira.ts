import type { Metadata } from '../records/record';
import { atlassianBuild } from './confluence';
import { attr, cleanText, normaliseDate, textOf } from './text';
import { type Detection, type Detector, urlNamesItem } from './types';

/**
 * Jira Cloud: the issue open on the page, whether full-page (`/browse/KEY-1`), in the board/backlog/list side
 * panel (`?selectedIssue=KEY-1`) or under the new navigation (`/jira/software/projects/P/issues/KEY-1`); and Jira
 * Server / Data Center on the organisation's own host and context path (`https://jira.example.org/browse/KEY-1`,
 * `/projects/P/issues/KEY-1`), where the page itself must name the issue in its own data: the `ajs-issue-key` meta
 * tag or the `#key-val[data-issue-key]` link, with the summary in `#summary-val` (the markup public Jira Server
 * tools read; see fixtures/jira/SOURCES.md). Cloud's markers are Atlaskit `data-testid`s.
 *
 * The issue key must be confirmed by the page itself (the breadcrumb's current-issue link, the summary heading,
 * or a `[KEY-1] Summary - Jira` title), so a board or filter with no issue open, or a page still loading, gives
 * nothing. Jira Cloud shows dates only in the viewer's locale ("2 days ago"), so created/updated are left to the
 * issue XML that capture fetches; they are not guessed from the page.
 */

const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,49}-[1-9]\d{0,9}$/;
const CLOUD_HOST = /^[a-z0-9][a-z0-9-]{0,62}\.atlassian\.net$/;
/** Cloud's `/browse/KEY-1`, or Server's under any context path (`/jira/browse/KEY-1`). */
const BROWSE_PATH = /^((?:\/[A-Za-z0-9._~-]{1,64}){0,3}?)\/browse\/([A-Z][A-Z0-9_]{0,49}-[1-9]\d{0,9})\/?$/;
/** Server's project-centric issue navigator, `/projects/KEY/issues/KEY-1`. */
const SERVER_PROJECT_PATH =
  /^((?:\/[A-Za-z0-9._~-]{1,64}){0,3}?)\/projects\/[A-Za-z0-9_]{1,50}\/issues\/([A-Z][A-Z0-9_]{0,49}-[1-9]\d{0,9})\/?$/;
const NEW_NAV_PATH =
  /^\/jira\/(?:software|core|servicedesk)\/(?:c\/)?projects\/[A-Za-z0-9_]{1,50}\/(?:issues|queues\/custom\/\d{1,10})\/([A-Z][A-Z0-9_]{0,49}-[1-9]\d{0,9})\/?$/;
const PAGE_TITLE = /^\[([A-Z][A-Z0-9_]{0,49}-[1-9]\d{0,9})\]\s+(.+?)\s+-\s+Jira(?:\s|$)/;

const TESTID = {
  breadcrumb: 'issue.views.issue-base.foundation.breadcrumbs.current-issue.item',
  summary: 'issue.views.issue-base.foundation.summary.heading',
  status: 'issue.views.issue-base.foundation.status.status-field-wrapper',
  assignee: 'issue.views.field.user.assignee',
  reporter: 'issue.views.field.user.reporter',
};

/** `[data-testid="x"]`, or the older `data-test-id` spelling Atlassian used before the rename. */
function byTestId(root: ParentNode, id: string): Element | null {
  return root.querySelector(`[data-testid="${id}"]`) ?? root.querySelector(`[data-test-id="${id}"]`);
}

function isCloud(url: URL): boolean {
  return url.protocol === 'https:' && CLOUD_HOST.test(url.hostname) && !url.pathname.startsWith('/wiki');
}

/** A Jira route: anything on Cloud but Confluence, or an issue URL shape on any other host. */
function isJiraUrl(url: URL): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (CLOUD_HOST.test(url.hostname)) return isCloud(url);
  return issueKeyFromUrl(url) !== undefined;
}

/** The issue key the URL names, if any. */
export function issueKeyFromUrl(url: URL): string | undefined {
  const path = url.pathname.slice(0, 1024);
  const m = BROWSE_PATH.exec(path) ?? SERVER_PROJECT_PATH.exec(path);
  if (m) return m[2];
  const nav = NEW_NAV_PATH.exec(path);
  if (nav) return nav[1];
  const selected = (url.searchParams.get('selectedIssue') ?? '').slice(0, 64);
  return ISSUE_KEY.test(selected) ? selected : undefined;
}

/** Where Jira lives on its host: the `ajs-context-path` the page states, else what the URL shows. */
function contextPath(document: Document, url: URL): string {
  const element = document.querySelector('meta[name="ajs-context-path"]');
  const stated = attr(element, 'content', 200);
  if (element && /^(?:\/[A-Za-z0-9._~-]{1,64}){0,3}$/.test(stated) && url.pathname.startsWith(`${stated}/`))
    return stated;
  const path = url.pathname.slice(0, 1024);
  return (BROWSE_PATH.exec(path) ?? SERVER_PROJECT_PATH.exec(path))?.[1] ?? '';
}

/** The issue Jira Server / Data Center names in its own page data. */
function serverIssue(document: Document): { key?: string; summary: string } {
  const fromMeta = attr(document.querySelector('meta[name="ajs-issue-key"]'), 'content', 64);
  const fromLink = attr(document.querySelector('#key-val[data-issue-key]'), 'data-issue-key', 64);
  const key = [fromMeta, fromLink].find((k) => ISSUE_KEY.test(k));
  return { key, summary: textOf(document.querySelector('#summary-val'), 1000) };
}

/** The key in the breadcrumb's current-issue link (`href="/browse/KEY-1"`, text `KEY-1`). */
function keyFromBreadcrumb(document: Document): string | undefined {
  const link = byTestId(document, TESTID.breadcrumb);
  if (!link) return undefined;
  const href = /\/browse\/([A-Z][A-Z0-9_]{0,49}-[1-9]\d{0,9})(?:[/?#]|$)/.exec(attr(link, 'href', 2048));
  if (href) return href[1];
  const text = textOf(link, 64);
  return ISSUE_KEY.test(text) ? text : undefined;
}

/**
 * A person field: the name wrapper's text, else the avatar's label (Atlaskit avatars are `role="img"`), else the
 * profile-card trigger's "More information about <name>" label.
 */
function person(document: Document, id: string): string | undefined {
  const field = byTestId(document, id);
  if (!field) return undefined;
  const name = textOf(byTestId(field, `${id}.name.wrapper`), 200);
  if (name) return name;
  // The avatar's label is the person's name in every UI language; the profile-card button's label wraps the name
  // in a translated sentence ("More information about …"), so it is not read.
  return cleanText(attr(field.querySelector('[role="img"][aria-label]'), 'aria-label', 400), 200) || undefined;
}

/** A Server person field (`#assignee-val`, `#reporter-val`): the user-hover name, else the field's text. */
function serverPerson(document: Document, id: string): string | undefined {
  const field = document.getElementById(id);
  return textOf(field?.querySelector('.user-hover') ?? field, 200) || undefined;
}

function detectIssue(document: Document, url: URL): Detection[] {
  if (!isJiraUrl(url)) return [];
  return isCloud(url) ? detectCloudIssue(document, url) : detectServerIssue(document, url);
}

function detectServerIssue(document: Document, url: URL): Detection[] {
  const fromUrl = issueKeyFromUrl(url);
  const { key, summary } = serverIssue(document);
  // The page must name the issue itself; while it swaps one issue for another, the URL and the page can disagree.
  if (!key || !summary || (fromUrl && fromUrl !== key)) return [];
  const metadata: Metadata = { mimeType: 'application/xml' };
  const reporter = serverPerson(document, 'reporter-val');
  const assignee = serverPerson(document, 'assignee-val');
  if (reporter) metadata.author = [reporter];
  if (assignee) metadata.owner = assignee;
  const created = normaliseDate(attr(document.querySelector('#created-val time[datetime]'), 'datetime', 64));
  const updated = normaliseDate(attr(document.querySelector('#updated-val time[datetime]'), 'datetime', 64));
  if (created) metadata.dateCreated = created;
  if (updated) metadata.dateModified = updated;
  const identifiers: Record<string, string> = { issueKey: key, project: key.slice(0, key.lastIndexOf('-')) };
  const status = textOf(document.querySelector('#status-val'), 100);
  if (status) identifiers.status = status;
  identifiers.edition = 'server';
  metadata.identifiers = identifiers;
  return [issueDetection(url, key, summary, metadata, 'ajs-meta', `${url.origin}${contextPath(document, url)}`)];
}

function issueDetection(
  url: URL,
  key: string,
  title: string,
  metadata: Metadata,
  via: string,
  base: string,
): Detection {
  return {
    source: { app: 'jira', kind: 'document', url: url.href, sourceId: `jira:${url.host}:${key}` },
    title: `[${key}] ${title}`.slice(0, 1024),
    metadata,
    capture: {
      parts: [
        {
          source: 'fetch',
          url: `${base}/si/jira.issueviews:issue-xml/${key}/${key}.xml`,
          name: `${key}.xml`,
          mimeType: 'application/xml',
          role: 'primary',
        },
      ],
    },
    via,
  };
}

function detectCloudIssue(document: Document, url: URL): Detection[] {
  const fromUrl = issueKeyFromUrl(url);
  const fromBreadcrumb = keyFromBreadcrumb(document);
  const heading = byTestId(document, TESTID.summary);
  const pageTitle = PAGE_TITLE.exec(cleanText(document.querySelector('title')?.textContent ?? '', 1200));

  // While Jira swaps one issue for another, the URL and the panel can disagree for a moment; the page is
  // re-detected once it settles, so nothing is offered in between.
  if (fromUrl && fromBreadcrumb && fromUrl !== fromBreadcrumb) return [];
  const key = fromBreadcrumb ?? fromUrl ?? pageTitle?.[1];
  if (!key) return [];

  let title = '';
  let via = '';
  if (heading) {
    title = textOf(heading, 1000);
    via = 'data-testid';
  }
  if (!title && pageTitle?.[1] === key) {
    title = cleanText(pageTitle[2], 1000);
    via = 'title';
  }
  // A key with no summary on the page: the issue view is not (yet) there.
  if (!title) return [];

  const metadata: Metadata = { mimeType: 'application/xml' };
  const reporter = person(document, TESTID.reporter);
  const assignee = person(document, TESTID.assignee);
  if (reporter) metadata.author = [reporter];
  if (assignee) metadata.owner = assignee;
  const identifiers: Record<string, string> = { issueKey: key, project: key.slice(0, key.lastIndexOf('-')) };
  const status = textOf(byTestId(document, TESTID.status), 100);
  if (status) identifiers.status = status;
  metadata.identifiers = identifiers;

  return [issueDetection(url, key, title, metadata, via, `https://${url.hostname}`)];
}

export const jira: Detector = {
  id: 'jira',
  hosts: ['https://*.atlassian.net/*'],
  matches: isJiraUrl,
  detect: detectIssue,
  expectsItem: urlNamesItem(isJiraUrl, issueKeyFromUrl),
  build: atlassianBuild,
};
