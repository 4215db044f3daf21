// @vitest-environment happy-dom
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MicrosoftAccountView } from '../utils/connectors/microsoft-365/account';
import { MicrosoftAccount } from './MicrosoftAccount';
import { byText, flush, mountIn, unmount } from './test-utils';

const view = (extra: Partial<MicrosoftAccountView> = {}): MicrosoftAccountView => ({
  provider: 'microsoft',
  configured: true,
  problems: [],
  redirectUri: 'https://indbljgbaddceclnjgbanhgdhbbgimmi.chromiumapp.org/',
  origins: ['https://login.microsoftonline.com/*', 'https://graph.microsoft.com/*'],
  signedIn: false,
  ...extra,
});

let root: HTMLElement | undefined;
afterEach(() => unmount(root));

describe('MicrosoftAccount', () => {
  it('calls the sign-in in the click’s own turn, so permissions can be asked in the gesture', async () => {
    let inTurn = false;
    let clicking = false;
    const onSignIn = vi.fn(async () => {
      inTurn = clicking;
      return {};
    });
    root = await mountIn(<MicrosoftAccount account={view()} onSignIn={onSignIn} onSignOut={async () => ({})} />);
    expect(root.textContent).toContain('Not signed in');
    expect(root.querySelector('.redirect-uri')?.textContent).toBe(view().redirectUri);
    const button = byText(root, 'button', 'Sign in to Microsoft 365')!;
    await act(() => {
      clicking = true;
      button.click();
      clicking = false;
    });
    expect(onSignIn).toHaveBeenCalledTimes(1);
    expect(inTurn).toBe(true);
  });

  it('shows who is signed in and until when, and signs out', async () => {
    const onSignOut = vi.fn(async () => ({}));
    root = await mountIn(
      <MicrosoftAccount
        account={view({ signedIn: true, account: 'alice@contoso.example', until: Date.parse('2026-11-24T10:00:00Z') })}
        onSignIn={async () => ({})}
        onSignOut={onSignOut}
      />,
    );
    expect(root.textContent).toContain('Signed in as alice@contoso.example');
    expect(byText(root, 'button', 'Sign in to Microsoft 365')).toBeUndefined();
    await act(() => byText(root!, 'button', 'Sign out')!.click());
    expect(onSignOut).toHaveBeenCalledTimes(1);
  });

  it('asks to sign in again when sending met a refused sign-in, and shows what went wrong', async () => {
    root = await mountIn(
      <MicrosoftAccount
        account={view({
          signedIn: true,
          account: 'alice@contoso.example',
          needed: { interactive: true, error: 'Sign in to Microsoft 365 again (the session has ended).' },
        })}
        onSignIn={async () => ({ error: 'The sign-in window closed before sign-in finished.' })}
        onSignOut={async () => ({})}
        compact
      />,
    );
    expect(root.querySelector('[role=alert]')?.textContent).toContain('the session has ended');
    // The popup's compact form: no sign-out, no redirect URI.
    expect(byText(root, 'button', 'Sign out')).toBeUndefined();
    expect(root.querySelector('.redirect-uri')).toBeNull();
    await act(() => byText(root!, 'button', 'Sign in to Microsoft 365 again')!.click());
    await flush();
    expect(root.querySelector('[role=status]')?.textContent).toBe('The sign-in window closed before sign-in finished.');
  });

  it('cannot sign in before the tenant and application id are set, and says so', async () => {
    root = await mountIn(
      <MicrosoftAccount
        account={view({ configured: false, origins: [], problems: ['The Microsoft 365 tenant is not set.'] })}
        onSignIn={async () => ({})}
        onSignOut={async () => ({})}
      />,
    );
    expect(byText(root, 'button', 'Sign in to Microsoft 365')?.hasAttribute('disabled')).toBe(true);
    expect(root.textContent).toContain('Set the tenant and the application id');
    expect(root.textContent).toContain('The Microsoft 365 tenant is not set.');
  });
});
