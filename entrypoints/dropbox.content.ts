import { appContentScript } from '../utils/detecting/content-script';
import { dropbox } from '../utils/detectors/dropbox';

/** Dropbox: one small content script per app, holding only that app's detector. */
export default appContentScript([dropbox]);
