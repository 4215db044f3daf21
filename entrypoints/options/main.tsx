import { render } from 'preact';
import { browser } from 'wxt/browser';
import { I18n } from '../../components/i18n';
import { backgroundApi } from '../../utils/ui/api';
import { readAsText } from '../../utils/ui/files';
import { t, uiLanguage } from '../../utils/ui/i18n';
import { browserPermissions } from '../../utils/ui/permissions';
import '../popup/style.css';
import './options.css';
import { App } from './App';

document.documentElement.lang = uiLanguage();
document.title = t('optionsTitle');
render(
  <I18n.Provider value={t}>
    <App
      api={backgroundApi}
      permissions={browserPermissions}
      readText={readAsText}
      // Firefox has no pageCapture, so its build does not declare it (wxt.config.ts).
      archivesAvailable={(browser.runtime.getManifest().optional_permissions ?? []).includes('pageCapture')}
    />
  </I18n.Provider>,
  document.getElementById('app')!,
);
