import { render } from 'preact';
import { I18n } from '../../components/i18n';
import { backgroundApi } from '../../utils/ui/api';
import { readAsText } from '../../utils/ui/files';
import { t, uiLanguage } from '../../utils/ui/i18n';
import { browserPermissions } from '../../utils/ui/permissions';
import '../popup/style.css';
import { App } from './App';

document.documentElement.lang = uiLanguage();
document.title = t('optionsTitle');
render(
  <I18n.Provider value={t}>
    <App api={backgroundApi} permissions={browserPermissions} readText={readAsText} />
  </I18n.Provider>,
  document.getElementById('app')!,
);
