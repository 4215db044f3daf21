import { backgroundApi } from '../../utils/ui/api';
import './style.css';

const tabParam = new URLSearchParams(location.search).get('tabId');
const tabId = tabParam && /^\d+$/.test(tabParam) ? Number(tabParam) : undefined;

// Asked before the page's components are even loaded: the answer (the round trip to the background and the
// tab's detections) is on its way while Preact, the form and its messages load and draw the first frame.
const started = backgroundApi.call('popup.start', { tabId });

import('./show').then(({ show }) => show(started, tabId));
