// @vitest-environment happy-dom
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Answers,
  byText,
  composed,
  fakeApi,
  flush,
  key,
  mountIn,
  type,
  unmount,
} from '../../components/test-utils';
import type { Detection } from '../../utils/detectors/types';
import type { OutboxView } from '../../utils/outbox/view';
import { EMPTY_PRESETS, type Presets } from '../../utils/presets/schema';
import type { Api } from '../../utils/ui/api';
import { App } from './App';

const detection: Detection = {
  source: { app: 'gmail', kind: 'email', url: 'https://mail.google.com/mail/u/0/#inbox/x', sourceId: 'gmail:msg-f:1' },
  title: 'Invoice 2291 from ACME',
  metadata: { originator: 'Ann <ann@hr.example.org>' },
  capture: { parts: [] },
  via: 'test',
};

/** An HR case email's fields: text with a pattern, a remembered choice, a date. */
const hrCase: Presets['profiles'][number]['fields'] = [
  { id: 'caseNumber', label: 'Case number', type: 'text', required: true, pattern: '^HR-\\d+$', retain: false },
  { id: 'office', label: 'Office', type: 'choice', options: ['Lyon', 'Paris'], required: false, retain: true },
  { id: 'opened', label: 'Opened', type: 'date', required: false, retain: false },
];

const presets: Presets = {
  ...EMPTY_PRESETS,
  filePlan: [
    { id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices', retention: '10y' }] },
    { id: 'HR', title: 'Human resources', children: [{ id: 'HR/2.3', title: 'Grievances' }] },
  ],
  profiles: [
    { id: 'general', title: 'General', recordType: 'document', fields: [], capture: [] },
    {
      id: 'invoice',
      title: 'Supplier invoice',
      recordType: 'document',
      defaultCategory: 'FIN/1',
      fields: [],
      capture: ['original'],
      tagVocabulary: 'finance',
    },
    {
      id: 'hr-case',
      title: 'HR case email',
      recordType: 'email',
      defaultCategory: 'HR/2.3',
      fields: hrCase,
      capture: ['eml'],
    },
  ],
  vocabularies: { finance: ['supplier', 'paid'] },
  rules: [
    { when: { titleContains: 'invoice' }, suggest: { profile: 'invoice' } },
    { when: { senderDomain: 'hr.example.org' }, suggest: { profile: 'hr-case' } },
  ],
};

const synced = (id: string, title: string): OutboxView => ({
  id,
  title,
  sourceId: 'x',
  state: 'synced',
  attempts: 1,
  nextAttemptAt: 0,
  declaredAt: '2026-11-23T10:00:00Z',
  receipt: { id, url: `http://127.0.0.1:8787/records/${id}`, receivedAt: '2026-11-23T10:00:01Z', content: [] },
});

let root: HTMLElement | undefined;
afterEach(() => {
  unmount(root);
  root = undefined;
});

async function mount(api: Api, close?: () => void) {
  root = await mountIn(<App api={api} tabId={4} close={close} />);
  await flush();
  return root;
}

const base = (detections: Detection[], extra: Answers = {}): Answers =>
  composed({
    'tab.detections': () => ({ tabId: 4, detections }),
    'presets.get': () => presets,
    'choices.get': () => ({ bySite: {}, bySender: {}, retained: {} }),
    'records.prior': () => ({}),
    ...extra,
  });

const submit = async (r: HTMLElement) => {
  await act(() => {
    r.querySelector('form')!.requestSubmit();
  });
  await flush();
  await flush();
};

describe('popup', () => {
  it('suggests the profile from the admin rule and declares on Enter', async () => {
    const { api, calls } = fakeApi(
      base([detection], {
        'record.declare': () => ({ ok: true, id: 'r1', sourceId: 'gmail:msg-f:1' }),
        'record.get': () => synced('r1', detection.title),
      }),
    );
    const r = await mount(api);
    expect(r.querySelector<HTMLSelectElement>('select[name=profile]')?.value).toBe('invoice');
    expect(r.querySelector<HTMLInputElement>('input[name=category]')?.value).toBe('FIN/1 — Invoices');
    expect(r.textContent).toContain('Suggested: rule: title contains “invoice”');
    expect(r.textContent).toContain('Record type: document · captures the original');
    expect(r.textContent).toContain('Retention of FIN/1: 10y');
    expect(document.activeElement?.getAttribute('name')).toBe('title');

    await type(r.querySelector<HTMLInputElement>('input[name=tags]')!, 'supplier, paid, supplier');
    expect([...r.querySelectorAll('.chip span')].map((c) => c.textContent)).toEqual(['supplier', 'paid']);
    await submit(r);
    expect(calls.find(([t]) => t === 'record.declare')?.[1]).toMatchObject({
      tabId: 4,
      title: 'Invoice 2291 from ACME',
      profileId: 'invoice',
      categoryId: 'FIN/1',
      tags: ['supplier', 'paid'],
      fields: {},
    });
    expect(r.textContent).toContain('Declared and received by the repository');
    expect(r.querySelector('a')?.getAttribute('href')).toBe('http://127.0.0.1:8787/records/r1');
  });

  it('offers a metadata-only declaration when capture fails', async () => {
    let declared = 0;
    const { api, calls } = fakeApi(
      base([detection], {
        'record.declare': () =>
          declared++ === 0
            ? { ok: false, error: 'Could not capture the content: HTTP 403', canDeclareMetadataOnly: true }
            : { ok: true, id: 'r2', sourceId: 'gmail:msg-f:1' },
        'record.get': () => null,
      }),
    );
    const r = await mount(api);
    await submit(r);
    expect(r.querySelector('[role=alert]')?.textContent).toContain('Could not capture the content: HTTP 403');
    await act(() => byText(r, 'button', 'Declare without the content')!.click());
    await flush();
    const declares = calls.filter(([t]) => t === 'record.declare').map(([, data]) => data);
    expect(declares).toMatchObject([{ metadataOnly: false }, { metadataOnly: true }]);
  });

  it('warns that the item was already declared and needs an explicit choice to declare again', async () => {
    const { api, calls } = fakeApi(
      base([detection], {
        'records.prior': () => ({
          'gmail:msg-f:1': {
            ok: true,
            records: [
              {
                id: 'r0',
                url: 'http://127.0.0.1:8787/records/r0',
                receivedAt: '2026-11-20T09:14:00Z',
                categoryId: 'FIN/1',
              },
            ],
          },
        }),
        'record.declare': () => ({ ok: true, id: 'r1', sourceId: 'gmail:msg-f:1' }),
        'record.get': () => null,
      }),
    );
    const r = await mount(api);
    const notice = r.querySelector('.prior');
    expect(notice?.textContent).toMatch(/^Already declared on .* in FIN\/1 — open the record/);
    expect(notice?.querySelector('a')?.getAttribute('href')).toBe('http://127.0.0.1:8787/records/r0');
    const form = r.querySelector('form')!;
    expect(form.checkValidity()).toBe(false);
    await submit(r);
    expect(calls.some(([t]) => t === 'record.declare')).toBe(false);
    const again = r.querySelector<HTMLInputElement>('input[name=declareAgain]')!;
    expect(again.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(again);
    await act(() => again.click());
    expect(form.checkValidity()).toBe(true);
    await submit(r);
    expect(calls.filter(([t]) => t === 'record.declare')).toHaveLength(1);
  });

  it('blocks on an empty required field, says what is expected, then declares with the field values', async () => {
    const mail = { ...detection, title: 'Grievance', metadata: { originator: 'HR <hr@hr.example.org>' } };
    const { api, calls } = fakeApi(
      base([mail], {
        'choices.get': () => ({
          bySite: {},
          bySender: {},
          retained: { 'hr-case': { office: 'Lyon', caseNumber: 'X' } },
        }),
        'record.declare': () => ({ ok: true, id: 'r1', sourceId: 'x' }),
        'record.get': () => null,
      }),
    );
    const r = await mount(api);
    const caseNumber = r.querySelector<HTMLInputElement>('input[name="field.caseNumber"]')!;
    // Focus starts where typing helps; nothing is marked before the user tries.
    expect(document.activeElement).toBe(caseNumber);
    expect(caseNumber.hasAttribute('aria-invalid')).toBe(false);
    expect(r.querySelector<HTMLSelectElement>('select[name="field.office"]')?.value).toBe('Lyon');
    expect(r.querySelector<HTMLInputElement>('input[name="field.opened"]')?.type).toBe('date');
    await submit(r);
    expect(caseNumber.getAttribute('aria-invalid')).toBe('true');
    expect(r.textContent).toContain('Case number is required.');
    // Optional fields never ask for attention.
    expect(r.querySelectorAll('[aria-invalid=true]')).toHaveLength(1);
    await type(caseNumber, 'case 12');
    await submit(r);
    expect(r.textContent).toContain('Case number must look like HR-1234.');
    await type(caseNumber, 'HR-12');
    await submit(r);
    expect(calls.find(([t]) => t === 'record.declare')?.[1]).toMatchObject({
      profileId: 'hr-case',
      categoryId: 'HR/2.3',
      fields: { caseNumber: 'HR-12', office: 'Lyon' },
    });
  });

  it('suggests the user’s last choice for the sender, and says so', async () => {
    const mail = { ...detection, title: 'Hello', metadata: { originator: 'Bob <bob@x.org>' } };
    const { api } = fakeApi(
      base([mail], {
        'choices.get': () => ({ bySite: {}, bySender: { 'x.org': { profileId: 'invoice' } }, retained: {} }),
      }),
    );
    const r = await mount(api);
    expect(r.querySelector<HTMLSelectElement>('select[name=profile]')?.value).toBe('invoice');
    expect(r.textContent).toContain('Suggested: your last choice for mail from x.org');
  });

  it('still suggests when remembered choices cannot be read', async () => {
    const { api } = fakeApi(
      composed({
        'tab.detections': () => ({ tabId: 4, detections: [detection] }),
        'presets.get': () => presets,
        'records.prior': () => ({}),
      }),
    );
    const r = await mount(api);
    expect(r.querySelector<HTMLSelectElement>('select[name=profile]')?.value).toBe('invoice');
  });

  it('declares several selected items in one go, each with its own metadata, and shows each result', async () => {
    const items = [1, 2, 3].map((n) => ({
      ...detection,
      title: `Message ${n}`,
      source: { ...detection.source, sourceId: `gmail:${n}` },
      metadata: {},
    }));
    let n = 0;
    const { api, calls } = fakeApi(
      base(items, {
        'record.declare': () => ({ ok: true, id: `r${++n}`, sourceId: `gmail:${n}` }),
        'record.get': ({ id }) => synced(id, `Message ${id.slice(1)}`),
      }),
    );
    const r = await mount(api);
    expect(r.textContent).toContain('3 items on this page');
    const boxes = () => [...r.querySelectorAll<HTMLInputElement>('input[name=item]')];
    expect(boxes().map((b) => b.checked)).toEqual([true, false, false]);
    await act(() => r.querySelector<HTMLInputElement>('input[name=selectAll]')!.click());
    expect(boxes().every((b) => b.checked)).toBe(true);
    expect(byText(r, 'button', 'Declare 3 items')).toBeDefined();
    // The second item gets its own title.
    await act(() => r.querySelectorAll<HTMLButtonElement>('button.edit')[1]!.click());
    await type(r.querySelector<HTMLInputElement>('input[name=title]')!, 'Message 2, renamed');
    await submit(r);
    await flush();
    const declared = calls.filter(([t]) => t === 'record.declare').map(([, d]) => (d as { title: string }).title);
    expect(declared).toEqual(['Message 1', 'Message 2, renamed', 'Message 3']);
    expect(r.querySelectorAll('.result .status-synced')).toHaveLength(3);
    expect(r.textContent).toContain('Declared 3 of 3.');
  });

  it('declares a chosen local file with file.inspect then file.declare', async () => {
    const eml = {
      ...detection,
      title: 'Dropped mail',
      metadata: {},
      source: { ...detection.source, app: 'file', kind: 'file' as const },
    };
    const { api, calls } = fakeApi(
      base([], {
        'file.inspect': () => eml,
        'file.declare': () => ({ ok: true, id: 'f1', sourceId: 'file:1' }),
        'record.get': () => null,
      }),
    );
    const r = await mount(api);
    expect(r.textContent).toContain('Nothing to declare on this page — drop a file here.');
    const input = r.querySelector<HTMLInputElement>('input[type=file]')!;
    const file = new File(['Subject: hi\r\n\r\nbody'], 'hello.eml', { type: 'message/rfc822' });
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    await act(() => {
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await flush();
    await flush();
    expect(calls.find(([t]) => t === 'file.inspect')?.[1]).toEqual({
      name: 'hello.eml',
      base64: btoa('Subject: hi\r\n\r\nbody'),
    });
    expect(r.querySelector<HTMLInputElement>('input[name=title]')?.value).toBe('Dropped mail');
    await submit(r);
    expect(calls.find(([t]) => t === 'file.declare')?.[1]).toMatchObject({ name: 'hello.eml', title: 'Dropped mail' });
  });

  it('shows the background’s message for a file it cannot read', async () => {
    const { api } = fakeApi(
      base([], {
        'file.inspect': () => {
          throw new Error('Not a file Recordkeeper can read (.exe)');
        },
      }),
    );
    const r = await mount(api);
    const input = r.querySelector<HTMLInputElement>('input[type=file]')!;
    Object.defineProperty(input, 'files', { value: [new File(['MZ'], 'x.exe')], configurable: true });
    await act(() => {
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await flush();
    expect(r.querySelector('[role=alert]')?.textContent).toBe(
      'x.exe could not be declared: Not a file Recordkeeper can read (.exe)',
    );
  });

  it('offers to declare the page when it could not be read, and reads it again', async () => {
    let reads = 0;
    const { api } = fakeApi(
      base([], {
        'tab.detections': () =>
          reads++ === 0
            ? { tabId: 4, detections: [], error: 'This page cannot be read (no access).' }
            : { tabId: 4, detections: [detection] },
      }),
    );
    const r = await mount(api);
    expect(r.textContent).toContain('Nothing to declare on this page — drop a file here or choose Declare this page.');
    await act(() => byText(r, 'button', 'Declare this page')!.click());
    await flush();
    await flush();
    expect(r.querySelector<HTMLInputElement>('input[name=title]')?.value).toBe(detection.title);
  });

  it('closes on Escape, but Escape in the open category list only closes the list', async () => {
    const close = vi.fn();
    const { api } = fakeApi(base([detection]));
    const r = await mount(api, close);
    const picker = r.querySelector<HTMLInputElement>('input[name=category]')!;
    await key(picker, 'ArrowDown');
    expect(picker.getAttribute('aria-expanded')).toBe('true');
    await key(picker, 'Escape');
    expect(picker.getAttribute('aria-expanded')).toBe('false');
    expect(close).not.toHaveBeenCalled();
    await key(r.querySelector('input[name=title]')!, 'Escape');
    expect(close).toHaveBeenCalledOnce();
  });

  it('renders a hostile title as text, never as markup', async () => {
    const hostile = { ...detection, title: '<img src=x onerror=alert(1)>' };
    const { api } = fakeApi(base([hostile]));
    const r = await mount(api);
    expect(r.querySelector('img')).toBeNull();
    expect(r.querySelector('.detection-title')?.textContent).toBe('<img src=x onerror=alert(1)>');
  });

  it('opens with one question and the plan after it, never the whole presets document', async () => {
    const { api, calls } = fakeApi(base([detection]));
    const r = await mount(api);
    expect(r.querySelector<HTMLInputElement>('input[name=category]')?.value).toBe('FIN/1 — Invoices');
    expect(calls.map(([type]) => type).sort()).toEqual(['popup.start', 'presets.plan', 'records.prior']);
  });

  it('with many profiles, shows the form from a first answer cut to it, then lists every profile', async () => {
    const many: Presets = {
      ...presets,
      profiles: [
        ...presets.profiles,
        ...Array.from({ length: 30 }, (_, n) => ({
          id: `extra-${n}`,
          title: `Extra ${n}`,
          recordType: 'document' as const,
          fields: [],
          capture: [],
        })),
      ],
    };
    const answers = base([detection], { 'presets.get': () => many });
    const first = await answers['popup.start']!({ tabId: 4 });
    expect(first.presets.profiles.map((p) => p.id)).toEqual(['general', 'invoice']);
    const { api, calls } = fakeApi(answers);
    const r = await mount(api);
    expect(r.querySelector<HTMLSelectElement>('select[name=profile]')?.value).toBe('invoice');
    expect(r.querySelector<HTMLInputElement>('input[name=category]')?.value).toBe('FIN/1 — Invoices');
    expect(r.querySelectorAll('select[name=profile] option')).toHaveLength(33);
    // The whole form replaces the first slice without asking for the plan again.
    expect(calls.map(([type]) => type).sort()).toEqual([
      'popup.start',
      'presets.form',
      'presets.plan',
      'records.prior',
    ]);
    await type(r.querySelector<HTMLSelectElement>('select[name=profile]')!, 'hr-case');
    expect(r.querySelector<HTMLInputElement>('input[name=category]')?.value).toBe('HR/2.3 — Grievances');
    expect(r.querySelector('input[name="field.caseNumber"]')).not.toBeNull();
  });

  it('uses the answer the entrypoint asked for before the first render instead of asking again', async () => {
    const answers = base([detection]);
    const { api, calls } = fakeApi(answers);
    const started = Promise.resolve(answers['popup.start']!({ tabId: 4 })) as never;
    root = await mountIn(<App api={api} tabId={4} started={started} />);
    await flush();
    expect(root.querySelector<HTMLInputElement>('input[name=category]')?.value).toBe('FIN/1 — Invoices');
    expect(calls.map(([type]) => type)).not.toContain('popup.start');
  });

  it('shows a link from the repository only when it is https: or http:, and as text otherwise', async () => {
    const hostile = 'javascript:alert(document.domain)';
    const { api } = fakeApi(
      base([detection], {
        'records.prior': () => ({
          'gmail:msg-f:1': {
            ok: true,
            records: [{ id: 'r0', url: hostile, receivedAt: '2026-11-20T09:14:00Z' }],
          },
        }),
        'record.declare': () => ({ ok: true, id: 'r1', sourceId: 'gmail:msg-f:1' }),
        'record.get': () => ({
          ...synced('r1', detection.title),
          receipt: { ...synced('r1', '').receipt!, url: hostile },
        }),
      }),
    );
    const r = await mount(api);
    expect(r.querySelector('.prior a')).toBeNull();
    expect(r.querySelector('.prior')?.textContent).toContain(hostile);
    await act(() => r.querySelector<HTMLInputElement>('input[name=declareAgain]')!.click());
    await submit(r);
    await flush();
    expect(r.textContent).toContain('Declared and received by the repository');
    expect([...r.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual([]);
    expect(r.querySelector('.status .record-url')?.textContent).toBe(hostile);
  });
});

describe('popup: report a missed page', () => {
  const skeleton = (allowed: boolean) => ({
    ok: true as const,
    name: 'skeleton-mail.google.com-20261121-100000.html',
    html: '<!--recordkeeper-skeleton {}-->\n<!doctype html><p>xxx</p>',
    url: 'https://mail.google.com/mail/u/0/#inbox/AAaaaa',
    takenAt: '2026-11-21T10:00:00.000Z',
    bytes: 2048,
    upload: allowed
      ? { allowed: true }
      : { allowed: false, blocked: 'Your organisation has not allowed sending page skeletons.' },
  });

  it('offers the skeleton when nothing is found, to download; sending only when the policy allows', async () => {
    const { api, calls } = fakeApi(base([], { 'health.skeleton': () => skeleton(false) }));
    const r = await mount(api);
    const offer = r.querySelector<HTMLDetailsElement>('details.report-missed')!;
    expect(offer.querySelector('summary')?.textContent).toBe('Nothing found here? Report a missed page');
    expect(offer.querySelector<HTMLInputElement>('input[type=radio]')!.checked).toBe(true); // "Nothing was found"
    await act(() => byText(offer, 'label', 'Keep the ids in the page address')!.querySelector('input')!.click());
    await act(() => byText(offer, 'button', 'Make the skeleton')!.click());
    await flush();
    expect(calls.find(([t]) => t === 'health.skeleton')?.[1]).toEqual({ tabId: 4, reason: 'nothing', keepIds: true });
    const link = byText(offer, 'a', 'Download the skeleton') as HTMLAnchorElement;
    expect(link.getAttribute('download')).toBe('skeleton-mail.google.com-20261121-100000.html');
    expect(link.getAttribute('href')).toMatch(/^blob:/);
    expect(offer.textContent).toContain('Skeleton of https://mail.google.com/mail/u/0/#inbox/AAaaaa ready (2 KB).');
    expect(byText(offer, 'button', 'Send it to the repository')).toBeUndefined();
    expect(offer.textContent).toContain('Your organisation has not allowed sending page skeletons.');
  });

  it('asks about the wrong item when something was found, and sends it when allowed', async () => {
    const { api, calls } = fakeApi(
      base([detection], {
        'health.skeleton': () => skeleton(true),
        'health.sendSkeleton': () => ({ ok: false, error: 'The repository cannot be reached: offline' }),
      }),
    );
    const r = await mount(api);
    const offer = r.querySelector<HTMLDetailsElement>('details.report-missed')!;
    expect(offer.querySelector('summary')?.textContent).toBe('Not the right item? Report a missed page');
    await act(() => byText(offer, 'button', 'Make the skeleton')!.click());
    await flush();
    await act(() => byText(offer, 'button', 'Send it to the repository')!.click());
    await flush();
    expect(calls.find(([t]) => t === 'health.sendSkeleton')?.[1]).toEqual({
      html: skeleton(true).html,
      url: skeleton(true).url,
      reason: 'wrong',
      takenAt: '2026-11-21T10:00:00.000Z',
    });
    expect(offer.querySelector('[role=alert]')?.textContent).toBe('The repository cannot be reached: offline');
  });
});
