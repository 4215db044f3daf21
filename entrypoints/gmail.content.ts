import { appContentScript } from '../utils/detecting/content-script';
import { gmail } from '../utils/detectors/gmail';

/** Gmail: one small content script per app, holding only that app's detector. */
export default appContentScript([gmail]);
