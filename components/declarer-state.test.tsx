import { describe, expect, it } from 'vitest';
import type { OutboxView } from '../utils/outbox/view';
import { declarerReducer, followed, initialState, progressOf } from './declarer-state';
import { mailItem as item } from './test-utils';

const view = (state: OutboxView['state']): OutboxView => ({
  id: 'r',
  title: 't',
  sourceId: 's',
  state,
  attempts: 1,
  nextAttemptAt: 0,
  declaredAt: '2026-11-23T10:00:00Z',
});

describe('declarer state', () => {
  it('starts with the first item ticked and shown; ticking one item shows it', () => {
    let state = initialState('k0');
    expect([...state.checked]).toEqual(['k0']);
    state = declarerReducer(state, { type: 'check', keys: ['k1'], on: true });
    expect(state.active).toBe('k1');
    state = declarerReducer(state, { type: 'check', keys: ['k0', 'k1', 'k2'], on: true });
    expect(state.active).toBe('k1');
    state = declarerReducer(state, { type: 'check', keys: ['k0'], on: false });
    expect([...state.checked].sort()).toEqual(['k1', 'k2']);
    expect(initialState(undefined).checked.size).toBe(0);
  });

  it('runs a batch: each waits, then is declared or failed; a declared item is unticked, a failed one stays', () => {
    const items = [item(0), item(1), item(2)];
    let state = declarerReducer(initialState('k0'), { type: 'check', keys: ['k0', 'k1', 'k2'], on: true });
    state = declarerReducer(state, { type: 'batch', keys: ['k0', 'k1', 'k2'] });
    expect(progressOf(state, items).running).toEqual([1, 3]);
    state = declarerReducer(state, { type: 'declaring', key: 'k0' });
    state = declarerReducer(state, { type: 'result', key: 'k0', result: { ok: true, id: 'r0', sourceId: 's0' } });
    expect(progressOf(state, items).running).toEqual([2, 3]);
    state = declarerReducer(state, {
      type: 'result',
      key: 'k1',
      result: { ok: false, error: 'HTTP 403', canDeclareMetadataOnly: true },
    });
    state = declarerReducer(state, { type: 'result', key: 'k2', result: { ok: true, id: 'r2', sourceId: 's2' } });
    state = declarerReducer(state, { type: 'batchDone' });
    const progress = progressOf(state, items);
    expect(progress.running).toBeUndefined();
    expect(progress.declared).toBe(2);
    expect(progress.remaining.map((i) => i.key)).toEqual(['k1']);
    expect([...state.checked]).toEqual(['k1']);
    expect(state.outcomes.k1).toEqual({ status: 'failed', error: 'HTTP 403', canDeclareMetadataOnly: true });
  });

  it('follows declared records until synced or needing attention; a failed look keeps what was known', () => {
    let state = initialState('k0');
    state = declarerReducer(state, { type: 'result', key: 'k0', result: { ok: true, id: 'r0', sourceId: 's0' } });
    state = declarerReducer(state, { type: 'result', key: 'k1', result: { ok: true, id: 'r1', sourceId: 's1' } });
    expect(followed(state)).toEqual([
      { key: 'k0', id: 'r0' },
      { key: 'k1', id: 'r1' },
    ]);
    state = declarerReducer(state, {
      type: 'looked',
      views: [
        { key: 'k0', id: 'r0', view: view('sending') },
        { key: 'k1', id: 'r1', view: undefined },
      ],
    });
    expect(state.looks).toBe(1);
    expect(followed(state).map((f) => f.key)).toEqual(['k0', 'k1']);
    state = declarerReducer(state, {
      type: 'looked',
      views: [
        { key: 'k0', id: 'r0', view: view('synced') },
        { key: 'k1', id: 'r1', view: view('needs-attention') },
      ],
    });
    expect(followed(state)).toEqual([]);
    // The outbox no longer has it (discarded elsewhere): nothing more to follow.
    state = declarerReducer(state, { type: 'result', key: 'k2', result: { ok: true, id: 'r2', sourceId: 's2' } });
    state = declarerReducer(state, { type: 'looked', views: [{ key: 'k2', id: 'r2', view: null }] });
    expect(followed(state)).toEqual([]);
  });

  it('dropped files become what is ticked and shown; their categories are kept once', () => {
    let state = declarerReducer(initialState('k0'), {
      type: 'files',
      added: [item(5), item(6)],
      errors: ['x.exe could not be declared'],
      categories: [{ id: 'FIN/1', title: 'Invoices' }],
    });
    expect([...state.checked]).toEqual(['k5', 'k6']);
    expect(state.active).toBe('k5');
    expect(state.fileErrors).toEqual(['x.exe could not be declared']);
    state = declarerReducer(state, {
      type: 'files',
      added: [],
      errors: [],
      categories: [{ id: 'FIN/1', title: 'Invoices' }],
    });
    expect(state.categories).toHaveLength(1);
    expect(state.files).toHaveLength(2);
    expect(state.fileErrors).toEqual([]);
  });

  it('an attempt that stops at a problem shows problems, shows that item and asks for the focus', () => {
    const state = declarerReducer(initialState('k0'), { type: 'invalid', key: 'k2' });
    expect(state).toMatchObject({ attempted: true, active: 'k2', focusInvalid: 1 });
  });
});
