import { render } from 'preact';
import { backgroundApi } from '../../utils/ui/api';
import { requestRepositoryAccess } from '../../utils/ui/permissions';
import '../popup/style.css';
import { App } from './App';

render(<App api={backgroundApi} requestAccess={requestRepositoryAccess} />, document.getElementById('app')!);
