import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Declarer, type Item } from '../../components/Declarer';
import { useT } from '../../components/i18n';
import { accountStep, MicrosoftAccount } from '../../components/MicrosoftAccount';
import { ReportMissed } from '../../components/ReportMissed';
import type { MicrosoftAccountView } from '../../utils/connectors/microsoft-365/account';
import { withCategories } from '../../utils/presets/form-categories';
import type { FormPresets } from '../../utils/presets/slices';
import type { Api } from '../../utils/ui/api';
import type { PopupStart } from '../../utils/ui/popup-start';

interface Props {
  api: Api;
  /** The tab to read; the active tab when absent. */
  tabId?: number | undefined;
  /** `popup.start` for `tabId`, already asked by the entrypoint before the first render. */
  started?: Promise<PopupStart> | undefined;
  /** Closes the popup (Escape). */
  close?: (() => void) | undefined;
}

export function App({ api, tabId, started, close }: Props) {
  const t = useT();
  // One question on opening: the detections with their suggestions and the slice of presets the form needs.
  const [start, setStart] = useState<PopupStart>();
  const [error, setError] = useState<string>();
  const [reading, setReading] = useState(false);
  const [account, setAccount] = useState<MicrosoftAccountView | null>(null);
  const [whole, setWhole] = useState<FormPresets>();

  const read = (id: number | undefined, asked = api.call('popup.start', { tabId: id })) =>
    asked.then(setStart, (e: Error) => setError(e.message));

  // The answer the entrypoint asked for is used once, for the tab it was asked for.
  const first = useRef(started);
  useEffect(() => {
    const asked = first.current;
    first.current = undefined;
    read(tabId, asked);
  }, [api, tabId]);

  // Only Microsoft 365 connections have an account (it comes with popup.start); shown only when sending needs a
  // sign-in.
  useEffect(() => {
    if (start) setAccount(start.account ?? null);
  }, [start]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) close?.();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [close]);

  // A first answer cut to what the first paint shows: the whole form is asked once that paint is on screen
  // (effects run after it), for the other profiles of the list.
  useEffect(() => {
    setWhole(undefined);
    if (!start?.partial) return;
    let current = true;
    api.call('presets.form', {}).then(
      (form) => current && setWhole(withCategories(form, start.presets.categories)),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [api, start]);

  const tab = start?.tab;
  const items = useMemo<Item[]>(
    () =>
      (start?.tab.detections ?? []).map((detection, n) => ({
        key: `${n}:${detection.source.sourceId}`,
        detection,
        suggestion: start?.suggestions[n] ?? null,
      })),
    [start],
  );

  const empty = tab?.error ? (
    <div class="empty">
      <p>{t('emptyUnreadable')}</p>
      <p class="hint">{tab.error}</p>
      <button
        type="button"
        disabled={reading}
        onClick={() => {
          setReading(true);
          read(tab.tabId >= 0 ? tab.tabId : tabId).finally(() => setReading(false));
        }}
      >
        {t('declareThisPage')}
      </button>
    </div>
  ) : (
    <p class="empty">{t('emptyNothing')}</p>
  );

  return (
    <>
      <h1 class="visually-hidden">{t('popupHeading')}</h1>
      {error && (
        <div class="error" role="alert">
          <p>{error}</p>
        </div>
      )}
      {account?.configured && (!account.signedIn || account.needed?.interactive) && (
        <MicrosoftAccount
          compact
          account={account}
          onSignIn={() => accountStep(() => api.call('account.signIn', {}), setAccount)}
          onSignOut={async () => ({})}
        />
      )}
      {!start || !tab ? (
        !error && (
          <p class="loading" role="status">
            {t('loading')}
          </p>
        )
      ) : (
        <>
          <Declarer
            key={tab.detections.map((d) => d.source.sourceId).join('|')}
            api={api}
            tabId={tab.tabId}
            items={items}
            presets={whole ?? start.presets}
            planKey={start}
            choices={start.choices}
            empty={empty}
            autoFocus
          />
          {tab.tabId >= 0 && <ReportMissed api={api} tabId={tab.tabId} found={tab.detections.length > 0} />}
        </>
      )}
    </>
  );
}
