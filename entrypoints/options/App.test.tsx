// @vitest-environment happy-dom
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Answers, byText, fakeApi, flush, mountIn, type, unmount } from '../../components/test-utils';
import type { HealthView } from '../../utils/health/view';
import type { DataOf } from '../../utils/messaging';
import type { OutboxPage, OutboxView } from '../../utils/outbox/view';
import { EMPTY_PRESETS } from '../../utils/presets/schema';
import type { Permissions } from '../../utils/ui/permissions';
import { presetsOverview } from '../../utils/ui/presets-overview';
import type { AuditLine, PresetsStatus } from '../../utils/ui/views';
import { App } from './App';

const row = (id: string, title: string, state: OutboxView['state']): OutboxView => ({
  id,
  title,
  sourceId: `src-${id}`,
  state,
  attempts: 2,
  nextAttemptAt: Date.parse('2026-11-23T10:05:00Z'),
  lastError: state === 'synced' ? undefined : 'HTTP 503',
  declaredAt: '2026-11-23T10:00:00Z',
  receipt:
    state === 'synced'
      ? {
          id,
          url: `http://repo/records/${id}`,
          receivedAt: '2026-11-23T10:00:01Z',
          content: [{ name: 'message.eml', sha256: 'a'.repeat(64), size: 10 }],
        }
      : undefined,
});

const status: PresetsStatus = {
  presets: { ...EMPTY_PRESETS, version: 7 },
  origin: { profiles: 'repository', filePlan: 'policy' },
  locked: ['repositoryUrl', 'filePlan'],
  sources: [
    { source: 'policy', state: 'ok', version: 3 },
    {
      source: 'repository',
      state: 'invalid',
      usingLastGood: true,
      problems: [{ path: '$.profiles[0].defaultCategory', message: 'must name a category of the file plan' }],
    },
    { source: 'local', state: 'absent' },
  ],
  sitesNeedingAccess: ['https://dms.acme.example/doc/*'],
};

const permissions: Permissions = {
  requestAccess: vi.fn(async () => true),
  requestPageArchives: vi.fn(async () => true),
  hasPageArchives: vi.fn(async () => false),
  removePageArchives: vi.fn(async () => true),
  requestSiteAccess: vi.fn(async () => true),
};

let root: HTMLElement | undefined;
afterEach(() => unmount(root));

const rows = [row('r1', 'Synced one', 'synced'), row('r2', 'Stuck one', 'retrying')];
const audit: AuditLine[] = [
  { at: Date.parse('2026-11-23T10:00:00Z'), recordId: 'r2', action: 'retried', detail: 'by ann' },
];

/** The background's paged reads (utils/outbox/pages.ts) over the rows above. */
function page({ offset, limit, pending, query }: DataOf<'outbox.page'>): OutboxPage {
  const q = query?.trim().toLowerCase();
  const found = rows
    .map((r) => ({ ...r, events: audit.filter((line) => line.recordId === r.id) }))
    .filter((r) => !pending || r.state !== 'synced')
    .filter((r) => !q || JSON.stringify(r).toLowerCase().includes(q));
  return { total: found.length, offset, rows: found.slice(offset, offset + limit) };
}

function answers(extra: Answers = {}): Answers {
  return {
    'settings.get': () => ({ repositoryUrl: 'https://records.example.org', hasToken: true, locked: [] }),
    'presets.overview': () => presetsOverview(status),
    'outbox.page': page,
    'records.prior': () => ({}),
    'health.get': () => health,
    ...extra,
  };
}

const health: HealthView = {
  counters: [
    {
      detector: 'gmail',
      app: 'gmail',
      build: 'boq_gmail_20261120.00_p1',
      problem: 'detect-failed',
      count: 3,
      firstSeen: Date.parse('2026-11-20T09:00:00Z'),
      lastSeen: Date.parse('2026-11-21T09:00:00Z'),
    },
  ],
  since: Date.parse('2026-11-01T00:00:00Z'),
  diagnostics: { counts: false, skeletons: false, problems: [] },
};

describe('options', () => {
  it('asks for the history’s first page alone and first, then what the other panels show', async () => {
    let answerPage: (() => void) | undefined;
    const { api, calls } = fakeApi(
      answers({
        'outbox.page': (data) =>
          data.pending ? page(data) : new Promise((resolve) => (answerPage = () => resolve(page(data)))),
      }),
    );
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    expect(calls).toEqual([['outbox.page', { offset: 0, limit: 50, query: '' }]]);
    expect(root.querySelector('.health')).toBeNull();
    await act(() => answerPage!());
    await flush();
    expect(root.querySelector('.history')?.textContent).toContain('Synced one');
    expect(
      calls.map(([type, data]) => `${type}${(data as { pending?: boolean }).pending ? ' pending' : ''}`).sort(),
    ).toEqual(['account.get', 'health.get', 'outbox.page', 'outbox.page pending', 'presets.overview', 'settings.get']);
    await flush();
    expect(root.querySelector('.health')?.textContent).toContain('gmail');
    expect(root.querySelector<HTMLInputElement>('#repositoryUrl')?.value).toBe('https://records.example.org');
  });

  it('shows the detector health counts, whether the policy sends them, and resets them', async () => {
    const { api, calls } = fakeApi(
      answers({
        'health.clear': () => ({ ...health, counters: [] }),
      }),
    );
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    await flush();
    const panel = root.querySelector('.health')!;
    const cells = [...panel.querySelectorAll('tbody td')].map((cell) => cell.textContent);
    expect(cells.slice(0, 5)).toEqual(['gmail', 'gmail', 'boq_gmail_20261120.00_p1', 'Reading the page failed', '3']);
    expect(panel.textContent).toContain('These counts stay in this browser');
    expect(byText(panel as HTMLElement, 'button', 'Send now')).toBeUndefined();
    await act(() => byText(panel as HTMLElement, 'button', 'Reset the counts')!.click());
    await flush();
    expect(calls.some(([type]) => type === 'health.clear')).toBe(true);
    expect(root.querySelector('.health')?.textContent).toContain('No detector has failed in this browser.');
  });

  it('says when the policy sends the counts and how the last sending went', async () => {
    const { api } = fakeApi(
      answers({
        'health.get': () => ({
          ...health,
          diagnostics: {
            counts: true,
            skeletons: false,
            problems: ['policy.diagnosticsSkeletons must be true or false'],
            lastError: 'The repository refused the diagnostics (422): bad',
          },
        }),
      }),
    );
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    await flush();
    const panel = root.querySelector('.health')!;
    expect(panel.textContent).toContain("Your organisation's policy sends these counts to the repository.");
    expect(panel.textContent).toContain('policy.diagnosticsSkeletons must be true or false');
    expect(panel.querySelector('[role=alert]')?.textContent).toBe('The repository refused the diagnostics (422): bad');
    expect(byText(panel as HTMLElement, 'button', 'Send now')).toBeDefined();
  });

  it('shows locked settings, where each presets section came from and each problem by path', async () => {
    const { api } = fakeApi(answers());
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    expect(root.querySelector<HTMLInputElement>('#repositoryUrl')?.disabled).toBe(true);
    expect(root.textContent).toContain('Set by your organisation.');
    expect(root.textContent).toContain('Enterprise policy · locked by your organisation');
    expect(root.textContent).toContain('Repository: rejected · the last good copy stays in use');
    expect(root.textContent).toContain('$.profiles[0].defaultCategory: must name a category of the file plan');
    expect(root.textContent).toContain('Site plugins wait for access to their pages: https://dms.acme.example/doc/*');
    await act(() => byText(root!, 'button', 'Allow these sites')!.click());
    await flush();
    expect(permissions.requestSiteAccess).toHaveBeenCalledWith(['https://dms.acme.example/doc/*']);
  });

  it('reports each kind of connection failure in its own words', async () => {
    const { api } = fakeApi(answers({ 'connection.test': () => ({ ok: false, kind: 'auth', detail: 'HTTP 401' }) }));
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    await act(() => byText(root!, 'button', 'Test connection')!.click());
    await flush();
    expect(root.textContent).toContain('The repository refused the token (401): enter a valid token.');
    expect(root.textContent).toContain('HTTP 401');
  });

  it('discards only after confirmation, and retries', async () => {
    const { api, calls } = fakeApi(
      answers({
        'outbox.discard': () => ({ discarded: true }),
        'outbox.retry': ({ id }) => ({ ...row(id, 'Stuck one', 'queued') }),
      }),
    );
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    expect(root.textContent).toContain('sha256 aaaaaaaaaaaa…');
    await act(() => root!.querySelector<HTMLButtonElement>('button[aria-label="Retry “Stuck one”"]')!.click());
    await flush();
    expect(calls.find(([t]) => t === 'outbox.retry')?.[1]).toEqual({ id: 'r2' });
    await act(() => root!.querySelector<HTMLButtonElement>('button[aria-label="Discard “Stuck one”"]')!.click());
    expect(calls.some(([t]) => t === 'outbox.discard')).toBe(false);
    const dialog = root.querySelector('dialog')!;
    expect(dialog.textContent).toContain('It will never reach the repository.');
    expect(document.activeElement?.textContent).toBe('Keep it');
    await act(() => byText(dialog, 'button', 'Discard')!.click());
    await flush();
    expect(calls.find(([t]) => t === 'outbox.discard')?.[1]).toEqual({ id: 'r2', confirmed: true });
  });

  it('asks for the Microsoft hosts in the sign-in click, before the sign-in, and then shows the account', async () => {
    const order: string[] = [];
    const signedOut = {
      provider: 'microsoft' as const,
      configured: true,
      problems: [],
      redirectUri: 'https://indbljgbaddceclnjgbanhgdhbbgimmi.chromiumapp.org/',
      origins: ['https://login.microsoftonline.com/*', 'https://graph.microsoft.com/*'],
      signedIn: false,
    };
    const { api } = fakeApi(
      answers({
        'account.get': () => signedOut,
        'account.signIn': () => {
          order.push('signIn');
          return { ...signedOut, signedIn: true, account: 'alice@contoso.example' };
        },
      }),
    );
    const asking: Permissions = {
      ...permissions,
      requestSiteAccess: vi.fn(async () => {
        order.push('permissions');
        return true;
      }),
    };
    root = await mountIn(<App api={api} permissions={asking} readText={async () => ''} />);
    await act(() => byText(root!, 'button', 'Sign in to Microsoft 365')!.click());
    // Asked synchronously in the click: Firefox refuses permissions.request after an await.
    expect(asking.requestSiteAccess).toHaveBeenCalledWith(signedOut.origins);
    await flush();
    await flush();
    expect(order).toEqual(['permissions', 'signIn']);
    expect(root.textContent).toContain('Signed in as alice@contoso.example');
  });

  it('filters the history by any text', async () => {
    const { api } = fakeApi(answers());
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    expect(root.textContent).toContain('2 declarations');
    await type(root.querySelector<HTMLInputElement>('#history-search')!, 'BY ANN');
    expect(root.textContent).toContain('1 declarations');
    expect(root.querySelector('.history')?.textContent).toContain('Stuck one');
  });

  it('imports a presets file and shows the background’s refusal', async () => {
    const { api, calls } = fakeApi(
      answers({
        'presets.import': () => {
          throw new Error('$.version: must be a number');
        },
      }),
    );
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => '{"version":"x"}'} />);
    const input = root.querySelector<HTMLInputElement>('#presets-file')!;
    Object.defineProperty(input, 'files', { value: [new File(['x'], 'p.json')], configurable: true });
    await act(() => {
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await flush();
    expect(calls.find(([t]) => t === 'presets.import')?.[1]).toEqual({ text: '{"version":"x"}' });
    expect(root.querySelector('[role=alert]')?.textContent).toBe('$.version: must be a number');
  });

  it('shows the message of the first save, which changes the repository URL', async () => {
    let saved = { repositoryUrl: '', hasToken: false, locked: [] as string[] };
    const { api } = fakeApi(
      answers({
        'settings.get': () => saved,
        'presets.overview': () => presetsOverview({ ...status, locked: [] }),
        'settings.save': ({ repositoryUrl, token }) => {
          saved = { repositoryUrl, hasToken: Boolean(token), locked: [] };
          return saved;
        },
      }),
    );
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    await type(root.querySelector<HTMLInputElement>('#repositoryUrl')!, 'https://records.example.org');
    await act(() => {
      root!.querySelector<HTMLFormElement>('form.connection')!.requestSubmit();
    });
    await flush();
    expect(root.querySelector('.connection-status')?.textContent).toBe('Saved.');
    expect(root.querySelector<HTMLInputElement>('#repositoryUrl')?.value).toBe('https://records.example.org');
  });

  it('offers MHTML archives only where the browser has them, and unticks the box when the permission is refused', async () => {
    const { api } = fakeApi(answers());
    const firefox = { ...permissions, hasPageArchives: vi.fn(async () => false) };
    root = await mountIn(<App api={api} permissions={firefox} readText={async () => ''} archivesAvailable={false} />);
    expect(root.textContent).not.toContain('Keep MHTML archives');
    expect(firefox.hasPageArchives).not.toHaveBeenCalled();
    unmount(root);

    const refusing = { ...permissions, requestPageArchives: vi.fn(async () => false) };
    root = await mountIn(<App api={api} permissions={refusing} readText={async () => ''} />);
    const box = root.querySelector<HTMLInputElement>('label.archives input')!;
    await act(() => box.click());
    await flush();
    expect(refusing.requestPageArchives).toHaveBeenCalledOnce();
    expect(box.checked).toBe(false);
  });

  it('reads the lists in view again when the background says the outbox changed, and not before', async () => {
    const { api, calls, notify } = fakeApi(answers());
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    await flush();
    const pages = () => calls.filter(([type]) => type === 'outbox.page').length;
    const before = pages();
    expect(before).toBeGreaterThan(0);
    await flush();
    expect(pages()).toBe(before);
    rows.push(row('r3', 'Declared just now', 'queued'));
    try {
      await act(() => notify());
      await flush();
      expect(pages()).toBeGreaterThan(before);
      expect(root.querySelector('.history')?.textContent).toContain('Declared just now');
      expect(root.textContent).toContain('2 declarations waiting to be sent');
    } finally {
      rows.pop();
    }
  });

  it('lists only what still waits in the outbox; the history lists everything, with receipts', async () => {
    const { api } = fakeApi(answers());
    root = await mountIn(<App api={api} permissions={permissions} readText={async () => ''} />);
    const outbox = root.querySelector('table.outbox')!;
    expect([...outbox.querySelectorAll('tbody tr')].map((tr) => tr.getAttribute('data-state'))).toEqual(['retrying']);
    expect(root.textContent).toContain('1 declarations waiting to be sent');
    const history = root.querySelector('.history')!;
    expect([...history.querySelectorAll('li > .history-line')].map((line) => line.textContent)).toEqual([
      expect.stringContaining('Synced one'),
      expect.stringContaining('Stuck one'),
    ]);
    expect(history.querySelector('a')?.getAttribute('href')).toBe('http://repo/records/r1');
  });
});
