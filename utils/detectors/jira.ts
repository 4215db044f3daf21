import type { Metadata } from '../records/record';
import { attr, cleanText, textOf } from './text';
import type { Detection, Detector } from './types';

/**
 * Jira Cloud: the issue open on the page, whether full-page (`/browse/KEY-1`), in the board/backlog/list side
 * panel (`?selectedIssue=KEY-1`) or under the new navigation (`/jira/software/projects/P/issues/KEY-1`).
 * URL shapes and `data-testid` markers are those of `shared/realdata/jira/patterns.json`.
 *
 * The issue key must be confirmed by the page itself (the breadcrumb's current-issue link, the summary heading,
 * or a `[KEY-1] Summary - Jira` title), so a board or filter with no issue open, or a page still loading, gives
 * nothing. Jira Cloud shows dates only in the viewer's locale ("2 days ago"), so created/updated are left to the
 * issue XML that capture fetches; they are not guessed from the page.
 */

const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,49}-[1-9]\d{0,9}$/;
const BROWSE_PATH = /^\/browse\/([A-Z][A-Z0-9_]{0,49}-[1-9]\d{0,9})\/?$/;
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

function isJiraCloud(url: URL): boolean {
  return (
    url.protocol === 'https:' &&
    /^[a-z0-9][a-z0-9-]{0,62}\.atlassian\.net$/.test(url.hostname) &&
    !url.pathname.startsWith('/wiki')
  );
}

/** The issue key the URL names, if any. */
export function issueKeyFromUrl(url: URL): string | undefined {
  const path = url.pathname.slice(0, 1024);
  const m = BROWSE_PATH.exec(path) ?? NEW_NAV_PATH.exec(path);
  if (m) return m[1];
  const selected = (url.searchParams.get('selectedIssue') ?? '').slice(0, 64);
  return ISSUE_KEY.test(selected) ? selected : undefined;
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
  const label =
    attr(field.querySelector('[role="img"][aria-label]'), 'aria-label', 400) ||
    attr(field.querySelector('[role="button"][aria-label^="More information about"]'), 'aria-label', 400);
  return cleanText(label.replace(/^More information about\s+/i, ''), 200) || undefined;
}

function detectIssue(document: Document, url: URL): Detection[] {
  if (!isJiraCloud(url)) return [];
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

  const origin = `https://${url.hostname}`;
  return [
    {
      source: { app: 'jira', kind: 'document', url: url.href, sourceId: `jira:${url.hostname}:${key}` },
      title: `[${key}] ${title}`.slice(0, 1024),
      metadata,
      capture: {
        parts: [
          {
            source: 'fetch',
            url: `${origin}/si/jira.issueviews:issue-xml/${key}/${key}.xml`,
            name: `${key}.xml`,
            mimeType: 'application/xml',
            role: 'primary',
          },
        ],
      },
      via,
    },
  ];
}

export const jira: Detector = {
  id: 'jira',
  hosts: ['https://*.atlassian.net/*'],
  matches: isJiraCloud,
  detect: detectIssue,
};
