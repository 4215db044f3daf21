// @vitest-environment happy-dom
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestRepositoryAccess } from '../utils/ui/permissions';
import { ConnectionForm, type ConnectionValues } from './ConnectionForm';
import { flush, mountIn, type, unmount } from './test-utils';

let root: HTMLElement | undefined;
afterEach(() => unmount(root));

const settings = {
  connector: 'records-api',
  connectors: [
    {
      id: 'records-api',
      label: 'Records API v1',
      fields: [
        { key: 'url', kind: 'url' as const, label: 'Repository URL', labelKey: 'repositoryUrl' },
        { key: 'token', kind: 'password' as const, secret: true, label: 'Access token', labelKey: 'accessToken' },
      ],
    },
  ],
  repositoryUrl: 'https://a.example',
  options: { url: 'https://a.example' },
  hasToken: true,
  secrets: ['token'],
  locked: [],
  problems: [],
};

const submit = (form: HTMLFormElement) =>
  act(() => {
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });

describe('ConnectionForm', () => {
  it('says, before Save, that another repository clears the saved token and upload progress', async () => {
    root = await mountIn(<ConnectionForm settings={settings} locked={[]} onSave={async () => ''} onTest={vi.fn()} />);
    const warning = () => root!.querySelector('[role="note"]')?.textContent ?? '';
    expect(warning()).toBe('');
    await type(root.querySelector<HTMLInputElement>('#repositoryUrl')!, 'https://b.example');
    expect(warning()).toContain('removes the saved token and the progress of unfinished uploads');
    await type(root.querySelector<HTMLInputElement>('#repositoryUrl')!, 'https://a.example/');
    expect(warning()).toBe('');
  });

  it('hands the values to onSave within the submit event, before anything is awaited (Firefox’s gesture)', async () => {
    const saved: ConnectionValues[] = [];
    let inGesture = false;
    const onSave = vi.fn(async (values: ConnectionValues) => {
      saved.push(values);
      return inGesture ? 'in gesture' : 'too late';
    });
    root = await mountIn(<ConnectionForm settings={settings} locked={[]} onSave={onSave} onTest={vi.fn()} />);
    await type(root.querySelector<HTMLInputElement>('#token')!, ' rk_new ');
    const form = root.querySelector('form')!;
    // Anything the handler does before its first await happens while the event is being dispatched.
    form.addEventListener(
      'submit',
      () => {
        inGesture = true;
        queueMicrotask(() => {
          inGesture = false;
        });
      },
      { capture: true },
    );
    await submit(form);
    await flush();
    expect(saved).toEqual([
      { connector: 'records-api', repositoryUrl: 'https://a.example', token: 'rk_new', options: {}, secrets: {} },
    ]);
    expect(root.querySelector('.connection-status')?.textContent).toBe('in gesture');
    // The secret is not kept in the page once handed over.
    expect(root.querySelector<HTMLInputElement>('#token')!.value).toBe('');
  });
});

describe('requestRepositoryAccess', () => {
  it('asks the browser at once, in the same turn, so the user’s gesture still counts', async () => {
    const { fakeBrowser } = await import('wxt/testing');
    const request = vi.fn(async () => true);
    fakeBrowser.permissions.request = request as never;
    fakeBrowser.permissions.contains = vi.fn(async () => false) as never;
    const answer = requestRepositoryAccess('https://records.example.org:8443/x');
    expect(request).toHaveBeenCalledWith({ origins: ['https://records.example.org/*'] });
    expect(await answer).toBe(true);
  });
});
