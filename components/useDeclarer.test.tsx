// @vitest-environment happy-dom
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { Detection } from '../utils/detectors/types';
import type { OutboxView } from '../utils/outbox/view';
import { EMPTY_PRESETS, type Presets } from '../utils/presets/schema';
import { formPresets } from '../utils/presets/slices';
import type { Api } from '../utils/ui/api';
import type { Item } from './declarer-state';
import { fakeApi, flush, mailItem as item, mountIn, tEn, unmount } from './test-utils';
import { useDeclarer } from './useDeclarer';

const presets: Presets = {
  ...EMPTY_PRESETS,
  profiles: [
    {
      id: 'hr',
      title: 'HR',
      recordType: 'email',
      fields: [{ id: 'caseNumber', label: 'Case', type: 'text', required: true, retain: false }],
      capture: [],
    },
  ],
};

const view = (id: string, state: OutboxView['state']): OutboxView => ({
  id,
  title: id,
  sourceId: id,
  state,
  attempts: 1,
  nextAttemptAt: 0,
  declaredAt: '2026-11-23T10:00:00Z',
});

let root: HTMLElement | undefined;
afterEach(() => unmount(root));

/** Mounts the hook alone and hands back what it returns after every render. */
async function mountHook(api: Api, items: Item[]) {
  const out: { current?: ReturnType<typeof useDeclarer> } = {};
  const form = formPresets(presets);
  function Harness() {
    out.current = useDeclarer({ api, tabId: 7, items, presets: form, t: tEn, followEveryMs: 1 });
    return null;
  }
  root = await mountIn(<Harness />);
  return out as { current: ReturnType<typeof useDeclarer> };
}

const waitUntil = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await flush();
  expect(done()).toBe(true);
};

describe('useDeclarer', () => {
  it('asks for prior declarations once per source id', async () => {
    const { api, calls } = fakeApi({ 'records.prior': () => ({}) });
    await mountHook(api, [item(0), item(1)]);
    expect(calls.filter(([type]) => type === 'records.prior')).toEqual([
      ['records.prior', { sourceIds: ['s0', 's1'] }],
    ]);
  });

  it('stops a batch at the first item missing a required field, and declares nothing', async () => {
    const { api, calls } = fakeApi({ 'records.prior': () => ({}) });
    const hook = await mountHook(api, [item(0), item(1)]);
    await act(() => hook.current.check(['k0', 'k1'], true));
    await act(() => hook.current.edit('k0', { ...hook.current.valuesOf(item(0)), fields: { caseNumber: 'HR-1' } }));
    await act(() => hook.current.submit());
    expect(hook.current.state).toMatchObject({ attempted: true, active: 'k1', focusInvalid: 1 });
    expect(calls.some(([type]) => type === 'record.declare')).toBe(false);
  });

  it('declares a batch one after another, drains once, and follows each record until it is final', async () => {
    const looks: Record<string, number> = {};
    const { api, calls } = fakeApi({
      'records.prior': () => ({}),
      'record.declare': ({ title }) =>
        title === 'Message 1'
          ? { ok: false, error: 'Could not capture', canDeclareMetadataOnly: true }
          : { ok: true, id: `r-${title}`, sourceId: title },
      'record.get': ({ id }) => {
        looks[id] = (looks[id] ?? 0) + 1;
        return view(id, looks[id] < 3 ? 'sending' : 'synced');
      },
      'outbox.drain': () => ({ started: true }),
    });
    const items = [item(0), item(1), item(2)];
    const hook = await mountHook(api, items);
    await act(() => hook.current.check(['k0', 'k1', 'k2'], true));
    for (const it of items)
      await act(() => hook.current.edit(it.key, { ...hook.current.valuesOf(it), fields: { caseNumber: 'HR-1' } }));
    await act(() => hook.current.submit());
    await waitUntil(() => !hook.current.state.busy);
    const declared = calls.filter(([type]) => type === 'record.declare').map(([, d]) => d as { title: string });
    expect(declared.map((d) => d.title)).toEqual(['Message 0', 'Message 1', 'Message 2']);
    expect(declared[0]).toMatchObject({ tabId: 7, fields: { caseNumber: 'HR-1' }, metadataOnly: false });
    expect(calls.filter(([type]) => type === 'outbox.drain')).toHaveLength(1);
    await waitUntil(() =>
      Object.values(hook.current.state.outcomes).every((o) => o.status !== 'declared' || o.view?.state === 'synced'),
    );
    expect(looks).toEqual({ 'r-Message 0': 3, 'r-Message 2': 3 });
    expect(hook.current.progress.declared).toBe(2);
    expect(hook.current.progress.remaining.map((i) => i.key)).toEqual(['k1']);

    // The failed one, again without its content.
    await act(() => hook.current.declareWithoutContent(items[1]!));
    await waitUntil(() => !hook.current.state.busy);
    expect(calls.filter(([type]) => type === 'record.declare').at(-1)?.[1]).toMatchObject({
      title: 'Message 1',
      metadataOnly: true,
    });
  });

  it('inspects dropped files, asks the background for their suggestions, and says which could not be read', async () => {
    const dropped: Detection = {
      ...item(9).detection,
      title: 'Dropped',
      source: { ...item(9).detection.source, app: 'file', kind: 'file' },
    };
    const { api, calls } = fakeApi({
      'records.prior': () => ({}),
      'file.inspect': ({ name }) => {
        if (name === 'x.exe') throw new Error('Not a file Recordkeeper can read (.exe)');
        return dropped;
      },
      'presets.suggest': () => ({
        suggestions: [
          { profileId: 'hr', categoryId: 'HR/1', reason: 'r', because: { key: 'reasonDefault', substitutions: [] } },
        ],
        categories: [{ id: 'HR/1', title: 'Cases' }],
      }),
    });
    const hook = await mountHook(api, [item(0)]);
    await act(() => hook.current.addFiles([new File(['a'], 'a.eml'), new File(['MZ'], 'x.exe')]));
    await flush();
    expect(calls.find(([type]) => type === 'presets.suggest')?.[1]).toEqual({ detections: [dropped] });
    expect(hook.current.items.map((i) => i.key)).toEqual(['k0', 'file:0:a.eml']);
    expect(hook.current.items[1]?.suggestion?.categoryId).toBe('HR/1');
    expect(hook.current.valuesOf(hook.current.items[1]!)).toMatchObject({ profileId: 'hr', categoryId: 'HR/1' });
    expect(hook.current.state.categories).toEqual([{ id: 'HR/1', title: 'Cases' }]);
    expect(hook.current.state.fileErrors).toEqual([
      'x.exe could not be declared: Not a file Recordkeeper can read (.exe)',
    ]);
    expect([...hook.current.state.checked]).toEqual(['file:0:a.eml']);
  });
});
