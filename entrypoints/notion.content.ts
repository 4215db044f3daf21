import { appContentScript } from '../utils/detecting/content-script';
import { notion } from '../utils/detectors/notion';

/** Notion: one small content script per app, holding only that app's detector. */
export default appContentScript([notion]);
