import { render } from 'preact';
import { I18n } from '../../components/i18n';
import { backgroundApi } from '../../utils/ui/api';
import { t, uiLanguage } from '../../utils/ui/i18n';
import type { PopupStart } from '../../utils/ui/popup-start';
import { App } from './App';

/** Draws the popup for `tabId`, with the `popup.start` answer main.tsx already asked for. */
export function show(started: Promise<PopupStart>, tabId: number | undefined) {
  document.documentElement.lang = uiLanguage();
  document.title = t('extName');
  render(
    <I18n.Provider value={t}>
      <App api={backgroundApi} tabId={tabId} started={started} close={() => window.close()} />
    </I18n.Provider>,
    document.getElementById('app')!,
  );
}
