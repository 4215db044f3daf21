import { render } from 'preact';
import { I18n } from '../../components/i18n';
import { backgroundApi } from '../../utils/ui/api';
import { t, uiLanguage } from '../../utils/ui/i18n';
import { App } from './App';
import './style.css';

const tabParam = new URLSearchParams(location.search).get('tabId');
const tabId = tabParam && /^\d+$/.test(tabParam) ? Number(tabParam) : undefined;

// Asked before anything is drawn: the answer is on its way while the page renders its first frame. Asking sooner,
// from a small script of its own that ran before these modules (blocking in the head, deferred, or async), was
// measured and not kept: the question left up to 35 ms sooner and its answer came up to 34 ms sooner, but these
// modules then ran up to 22 ms later and the form showed no sooner (popup ready 138–209 ms in 19 runs of bench/ui.ts
// with such a script, 125–206 ms in 14 without, alternating, December 2026; taking the answer in a layout effect
// instead of an effect changed nothing either).
const started = backgroundApi.call('popup.start', { tabId });

document.documentElement.lang = uiLanguage();
document.title = t('extName');
render(
  <I18n.Provider value={t}>
    <App api={backgroundApi} tabId={tabId} started={started} close={() => window.close()} />
  </I18n.Provider>,
  document.getElementById('app')!,
);
