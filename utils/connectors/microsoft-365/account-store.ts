import * as v from 'valibot';
import { browserWebAuthFlow } from '../../auth/identity';
import { type GraphFeature, scopesFor } from '../../auth/microsoft';
import type { DeclareDeps } from '../../declaring/declare';
import { openOutbox } from '../../outbox/db';
import { authState, setAuthState } from '../../outbox/outbox';
import type { ConnectionState } from '../../settings';
import { connectorDeps } from '../../settings-store';
import { type AccountDeps, accountView, type MicrosoftAccountView, microsoftSession, signIn, signOut } from './account';
import { MICROSOFT_365_ID } from './connector';
import { GraphClient } from './graph';
import { graphDownload, outlookCapture } from './originals';
import { graphBaseOf, Microsoft365Options } from './settings';

/**
 * Background only: the Microsoft 365 account of the connection in force (utils/settings-store.ts), with the
 * browser's sign-in window and the outbox's "sign in again" state. The pages ask through `account.*` messages.
 */

/** The connection's Microsoft 365 options, when it is a Microsoft 365 connection whose options passed. */
export function microsoftOptions(state: ConnectionState): Microsoft365Options | undefined {
  if (state.connector !== MICROSOFT_365_ID || !state.checked) return undefined;
  const parsed = v.safeParse(Microsoft365Options, state.checked);
  return parsed.success ? parsed.output : undefined;
}

export function accountDeps(state: ConnectionState): AccountDeps {
  const { fetch, now, credentials } = connectorDeps(state);
  return { fetch, now, credentials, flow: browserWebAuthFlow };
}

/** The account view, or null when the connection is not Microsoft 365. */
export async function microsoftAccount(state: ConnectionState): Promise<MicrosoftAccountView | null> {
  if (state.connector !== MICROSOFT_365_ID) return null;
  const need = await authState(await openOutbox());
  return accountView(microsoftOptions(state), state.problems, accountDeps(state), need);
}

/** Signs in interactively; a success clears the outbox's "sign in again" so the next drain sends. */
export async function signInMicrosoft(state: ConnectionState): Promise<MicrosoftAccountView> {
  const options = microsoftOptions(state);
  if (!options) {
    throw new Error(
      state.connector === MICROSOFT_365_ID
        ? `Microsoft 365 is not set up yet: ${state.problems.join(' ') || 'check the tenant and the application id.'}`
        : 'The repository in use is not Microsoft 365.',
    );
  }
  await signIn(options, accountDeps(state));
  await setAuthState(await openOutbox(), { needed: false, at: Date.now() });
  return (await microsoftAccount(state))!;
}

export async function signOutMicrosoft(state: ConnectionState): Promise<MicrosoftAccountView | null> {
  const options = microsoftOptions(state);
  if (options) await signOut(options, accountDeps(state));
  return microsoftAccount(state);
}

/**
 * The declare path's originals through Graph (originals.ts), when the connection is Microsoft 365 with originals
 * on: Outlook messages as MIME, SharePoint files the page could not download. Each call renews the sign-in silently
 * if it must; when only the user could renew it, the capture falls back to the page and says so.
 */
export function microsoftOriginals(state: ConnectionState): Pick<DeclareDeps, 'original' | 'fetchFallback'> {
  const options = microsoftOptions(state);
  if (!options?.originals) return {};
  const deps = accountDeps(state);
  let session: ReturnType<typeof microsoftSession>;
  try {
    session = microsoftSession(options, deps);
  } catch {
    return {};
  }
  const graphFor = (feature: GraphFeature) =>
    new GraphClient({
      base: graphBaseOf(options),
      fetch: deps.fetch,
      now: deps.now,
      token: (o) => session.accessToken(scopesFor([feature]), o),
    });
  return {
    original: (detection, withAttachments) => outlookCapture(graphFor('outlook'), detection, withAttachments),
    fetchFallback: (detection, part, stage) => graphDownload(graphFor('fetch'), deps.fetch, detection, part, stage),
  };
}
