// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Detection } from '../../utils/detectors/types';
import type { DataOf, MessageType, ResultOf } from '../../utils/messaging';
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

const presets: Presets = {
  ...EMPTY_PRESETS,
  filePlan: [{ id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices' }] }],
  profiles: [
    { id: 'general', title: 'General', recordType: 'document', fields: [], capture: [] },
    {
      id: 'invoice',
      title: 'Supplier invoice',
      recordType: 'document',
      defaultCategory: 'FIN/1',
      fields: [],
      capture: [],
    },
  ],
  rules: [{ when: { titleContains: 'invoice' }, suggest: { profile: 'invoice' } }],
};

function fakeApi(answers: { [K in MessageType]?: (data: DataOf<K>) => ResultOf<K> }) {
  const calls: [string, unknown][] = [];
  const api: Api = {
    call: vi.fn(async (type: MessageType, data: unknown) => {
      calls.push([type, data]);
      const answer = answers[type] as ((data: unknown) => unknown) | undefined;
      if (!answer) throw new Error(`unexpected ${type}`);
      return answer(data) as never;
    }),
  };
  return { api, calls };
}

const flush = () => act(() => new Promise((done) => setTimeout(done, 0)));

let root: HTMLElement;
afterEach(() => {
  render(null, root);
  root.remove();
});

async function mount(api: Api) {
  root = document.createElement('main');
  document.body.append(root);
  render(<App api={api} tabId={4} />, root);
  await flush();
  await flush();
}

describe('popup', () => {
  it('suggests the profile from the admin rule and declares on Enter', async () => {
    const synced: OutboxView = {
      id: 'r1',
      title: detection.title,
      sourceId: 'gmail:msg-f:1',
      state: 'synced',
      attempts: 1,
      nextAttemptAt: 0,
      declaredAt: '2026-11-23T10:00:00Z',
      receipt: { id: 'r1', url: 'http://127.0.0.1:8787/records/r1', receivedAt: '2026-11-23T10:00:01Z', content: [] },
    };
    const { api, calls } = fakeApi({
      'tab.detections': () => ({ tabId: 4, detections: [detection] }),
      'presets.get': () => presets,
      'record.declare': () => ({ ok: true, id: 'r1', sourceId: 'gmail:msg-f:1' }),
      'record.get': () => synced,
    });
    await mount(api);
    expect(root.querySelector<HTMLSelectElement>('select[name=profile]')?.value).toBe('invoice');
    expect(root.querySelector<HTMLSelectElement>('select[name=category]')?.value).toBe('FIN/1');
    expect(root.textContent).toContain('Suggested: rule: title contains “invoice”');

    const tags = root.querySelector<HTMLInputElement>('input[name=tags]')!;
    tags.value = 'supplier, paid, supplier';
    await act(() => {
      tags.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(() => {
      root.querySelector('form')!.requestSubmit();
    });
    await flush();
    await flush();
    expect(calls.find(([type]) => type === 'record.declare')?.[1]).toMatchObject({
      tabId: 4,
      title: 'Invoice 2291 from ACME',
      profileId: 'invoice',
      categoryId: 'FIN/1',
      tags: ['supplier', 'paid'],
    });
    expect(root.textContent).toContain('Declared and received by the repository');
    expect(root.querySelector('a')?.getAttribute('href')).toBe('http://127.0.0.1:8787/records/r1');
  });

  it('offers a metadata-only declaration when capture fails', async () => {
    let declared = 0;
    const { api, calls } = fakeApi({
      'tab.detections': () => ({ tabId: 4, detections: [detection] }),
      'presets.get': () => presets,
      'record.declare': () =>
        declared++ === 0
          ? { ok: false, error: 'Could not capture the content: HTTP 403', canDeclareMetadataOnly: true }
          : { ok: true, id: 'r2', sourceId: 'gmail:msg-f:1' },
      'record.get': () => null,
    });
    await mount(api);
    await act(() => {
      root.querySelector('form')!.requestSubmit();
    });
    await flush();
    expect(root.querySelector('[role=alert]')?.textContent).toContain('Could not capture the content: HTTP 403');
    const button = [...root.querySelectorAll('button')].find((b) => b.textContent === 'Declare without the content')!;
    await act(() => button.click());
    await flush();
    const declares = calls.filter(([type]) => type === 'record.declare').map(([, data]) => data);
    expect(declares).toMatchObject([{ metadataOnly: false }, { metadataOnly: true }]);
  });

  it('warns that the item was already declared and needs an explicit choice to declare again', async () => {
    const { api } = fakeApi({
      'tab.detections': () => ({ tabId: 4, detections: [detection] }),
      'presets.get': () => presets,
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
    });
    await mount(api);
    await flush();
    const notice = root.querySelector('.prior');
    expect(notice?.textContent).toMatch(/^Already declared on .* in FIN\/1 — open the record/);
    expect(notice?.querySelector('a')?.getAttribute('href')).toBe('http://127.0.0.1:8787/records/r0');
    const form = root.querySelector('form')!;
    expect(form.checkValidity()).toBe(false);
    root.querySelector<HTMLInputElement>('input[name=declareAgain]')!.checked = true;
    expect(form.checkValidity()).toBe(true);
  });

  it('says so when there is nothing to declare, and shows detection text as text', async () => {
    const { api } = fakeApi({
      'tab.detections': () => ({ tabId: 4, detections: [] }),
      'presets.get': () => presets,
    });
    await mount(api);
    expect(root.textContent).toContain('Nothing to declare on this page.');
  });

  it('renders a hostile title as text, never as markup', async () => {
    const hostile = { ...detection, title: '<img src=x onerror=alert(1)>' };
    const { api } = fakeApi({
      'tab.detections': () => ({ tabId: 4, detections: [hostile] }),
      'presets.get': () => presets,
    });
    await mount(api);
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('.detection-title')?.textContent).toBe('<img src=x onerror=alert(1)>');
  });
});
