import { render } from 'preact';
import { backgroundApi } from '../../utils/ui/api';
import { App } from './App';
import './style.css';

const tabParam = new URLSearchParams(location.search).get('tabId');
const tabId = tabParam && /^\d+$/.test(tabParam) ? Number(tabParam) : undefined;

render(<App api={backgroundApi} tabId={tabId} />, document.getElementById('app')!);
