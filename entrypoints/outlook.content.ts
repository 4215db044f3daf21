import { appContentScript } from '../utils/detecting/content-script';
import { outlook } from '../utils/detectors/outlook';

/** Outlook on the web: one small content script per app, holding only that app's detector. */
export default appContentScript([outlook]);
