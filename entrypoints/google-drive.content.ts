import { appContentScript } from '../utils/detecting/content-script';
import { googleDrive } from '../utils/detectors/google-drive';

/** Google Drive: one small content script per app, holding only that app's detector. */
export default appContentScript([googleDrive]);
