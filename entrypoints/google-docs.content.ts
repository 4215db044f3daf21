import { appContentScript } from '../utils/detecting/content-script';
import { googleDocs } from '../utils/detectors/google-docs';

/** Google Docs, Sheets and Slides: one small content script per app, holding only that app's detector. */
export default appContentScript([googleDocs]);
