import { describe, expect, it, vi } from 'vitest';
import { routeMessage } from './messaging';

const self = { id: 'ext', baseUrl: 'chrome-extension://ext/' };
const popup = { id: 'ext', url: 'chrome-extension://ext/popup.html' };
const contentScript = {
  id: 'ext',
  url: 'https://mail.google.com/mail/u/0/',
  tab: { id: 7, url: 'https://mail.google.com/mail/u/0/' },
};

describe('routeMessage', () => {
  it('passes validated data to the handler and wraps its answer', async () => {
    const handler = vi.fn(async ({ id }: { id: string }) => ({ id }) as never);
    const answer = await routeMessage(
      { 'record.get': handler },
      { type: 'record.get', data: { id: 'abc' } },
      popup,
      self,
    );
    expect(answer).toEqual({ ok: true, value: { id: 'abc' } });
  });

  it('stays silent for messages it does not handle', () => {
    expect(routeMessage({ 'record.get': vi.fn() }, { type: 'outbox.list', data: {} }, popup, self)).toBeUndefined();
    expect(routeMessage({ 'record.get': vi.fn() }, 'hello', popup, self)).toBeUndefined();
    expect(routeMessage({ 'record.get': vi.fn() }, { type: 'toString' }, popup, self)).toBeUndefined();
  });

  it('rejects invalid data with the path of each problem', async () => {
    const handler = vi.fn();
    const answer = await routeMessage({ 'record.get': handler }, { type: 'record.get', data: { id: 5 } }, popup, self);
    expect(answer).toMatchObject({ ok: false, error: expect.stringContaining('id:') });
    expect(handler).not.toHaveBeenCalled();
  });

  /** Asks for the settings as `sender`, with a handler that notes whether it ran. */
  const askSettings = async (sender: Parameters<typeof routeMessage>[2]) => {
    const handler = vi.fn();
    const answer = await routeMessage({ 'settings.get': handler }, { type: 'settings.get', data: {} }, sender, self);
    return { answer, handler };
  };

  it('refuses extension-only messages from a content script', async () => {
    const { answer, handler } = await askSettings(contentScript);
    expect(answer).toEqual({ ok: false, error: 'settings.get is not accepted from content.' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses messages from other extensions', async () => {
    const { answer, handler } = await askSettings({ id: 'evil', url: 'chrome-extension://evil/x.html' });
    expect(answer).toMatchObject({ ok: false });
    expect(handler).not.toHaveBeenCalled();
  });

  it('gives content handlers the sending tab', async () => {
    const handler = vi.fn();
    await routeMessage(
      { 'content.detected': handler },
      { type: 'content.detected', data: { count: 2 } },
      contentScript,
      self,
    );
    expect(handler).toHaveBeenCalledWith({ count: 2 }, { tabId: 7, url: contentScript.tab.url });
  });

  it('turns a thrown error into an answer', async () => {
    const answer = await routeMessage(
      {
        'outbox.list': () => {
          throw new Error('disk full');
        },
      },
      { type: 'outbox.list', data: {} },
      popup,
      self,
    );
    expect(answer).toEqual({ ok: false, error: 'disk full' });
  });
});
