import { appContentScript } from '../utils/detecting/content-script';
import { salesforce } from '../utils/detectors/salesforce';

/** Salesforce Lightning: one small content script per app, holding only that app's detector. */
export default appContentScript([salesforce]);
