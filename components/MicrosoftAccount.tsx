import { useState } from 'preact/hooks';
import type { MicrosoftAccountView } from '../utils/connectors/microsoft-365/account';
import { useT } from './i18n';

/** An account action whose answer replaces the account shown; its failure becomes the message the panel shows. */
export async function accountStep(
  work: () => Promise<MicrosoftAccountView | null>,
  show: (account: MicrosoftAccountView | null) => void,
): Promise<{ error?: string | undefined }> {
  try {
    show(await work());
    return {};
  } catch (e) {
    return { error: (e as Error).message };
  }
}

interface Props {
  account: MicrosoftAccountView;
  /**
   * Signs in. Called in the click's own turn, before anything is awaited, so the caller can ask the browser for
   * the account's host permissions while the click still counts as a user gesture (Firefox refuses it after).
   * Answers a note to show, or an error.
   */
  onSignIn(): Promise<{ note?: string | undefined; error?: string | undefined }>;
  onSignOut(): Promise<{ error?: string | undefined }>;
  /** The popup's form: only what it takes to sign in again. */
  compact?: boolean | undefined;
}

/**
 * The Microsoft 365 account of the connection: who is signed in and until when, a sign-in or sign-out, the
 * redirect URI an administrator registers, and "sign in again" when sending met a refused sign-in.
 */
export function MicrosoftAccount({ account, onSignIn, onSignOut, compact }: Props) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean }>();
  const signInAgain = account.needed !== undefined || (!account.signedIn && account.until !== undefined);

  const act = (work: () => Promise<{ note?: string | undefined; error?: string | undefined }>) => {
    setBusy(true);
    setMessage(undefined);
    // No await before `work`: it asks for permissions, which needs the click's gesture.
    work()
      .then(
        ({ note, error }) =>
          setMessage(error ? { text: error, error: true } : note ? { text: note, error: false } : undefined),
        (error: Error) => setMessage({ text: error.message, error: true }),
      )
      .finally(() => setBusy(false));
  };

  return (
    <section class={`account${compact ? ' compact' : ''}`} aria-labelledby="account-heading">
      <h3 id="account-heading">{t('accountHeading')}</h3>
      {account.needed && (
        <p class="error" role="alert">
          {t('accountNeeded', account.needed.error ?? '')}
        </p>
      )}
      {account.signedIn ? (
        <p class="account-who">
          {t('accountSignedIn', [
            account.account ?? t('accountUnknownUser'),
            account.until ? new Date(account.until).toLocaleString() : '—',
          ])}
        </p>
      ) : (
        <p class="account-who">{account.configured ? t('accountNotSignedIn') : t('accountNotConfigured')}</p>
      )}
      {!compact && account.problems.length > 0 && <p class="hint">{account.problems.join(' ')}</p>}
      <div class="buttons">
        {(!account.signedIn || account.needed) && (
          <button type="button" class="primary" disabled={busy || !account.configured} onClick={() => act(onSignIn)}>
            {busy ? t('accountSigningIn') : signInAgain ? t('accountSignInAgain') : t('accountSignIn')}
          </button>
        )}
        {account.signedIn && !compact && (
          <button type="button" disabled={busy} onClick={() => act(onSignOut)}>
            {t('accountSignOut')}
          </button>
        )}
      </div>
      {!compact && (
        <p class="hint">
          {t('accountRedirectUri')} <code class="redirect-uri">{account.redirectUri}</code>
        </p>
      )}
      <div role="status">{message && <p class={message.error ? 'error' : 'hint'}>{message.text}</p>}</div>
    </section>
  );
}
