import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { notifyPages } from '../messaging';
import { backgroundApi } from './api';

beforeEach(() => fakeBrowser.reset());

describe('page notices (notifyPages → backgroundApi.subscribe)', () => {
  it('tells each subscriber of its notice until it unsubscribes', async () => {
    const listener = vi.fn();
    const stop = backgroundApi.subscribe('outbox.changed', listener);
    await notifyPages('outbox.changed');
    await notifyPages('outbox.changed');
    expect(listener).toHaveBeenCalledTimes(2);
    stop();
    await notifyPages('outbox.changed');
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('leaves other messages to other listeners', async () => {
    const listener = vi.fn();
    backgroundApi.subscribe('outbox.changed', listener);
    const other = vi.fn(() => Promise.resolve({ ok: true, value: 'other' }));
    fakeBrowser.runtime.onMessage.addListener(other as never);
    expect(await fakeBrowser.runtime.sendMessage({ type: 'settings.get', data: {} })).toEqual({
      ok: true,
      value: 'other',
    });
    expect(listener).not.toHaveBeenCalled();
  });

  it('settles when no page is open, and reports any other failure', async () => {
    await expect(notifyPages('outbox.changed')).resolves.toBeUndefined();
    vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockRejectedValueOnce(new Error('Extension context invalidated.'));
    await expect(notifyPages('outbox.changed')).rejects.toThrow('Extension context invalidated.');
  });
});
