import { render } from 'preact';
import { I18n } from '../../components/i18n';
import { backgroundApi } from '../../utils/ui/api';
import { t, uiLanguage } from '../../utils/ui/i18n';
import { App } from './App';
import './style.css';

const tabParam = new URLSearchParams(location.search).get('tabId');
const tabId = tabParam && /^\d+$/.test(tabParam) ? Number(tabParam) : undefined;

// Asked before anything is drawn: the answer is on its way while the page renders its first frame.
const started = backgroundApi.call('popup.start', { tabId });

document.documentElement.lang = uiLanguage();
document.title = t('extName');
render(
  <I18n.Provider value={t}>
    <App api={backgroundApi} tabId={tabId} started={started} close={() => window.close()} />
  </I18n.Provider>,
  document.getElementById('app')!,
);
