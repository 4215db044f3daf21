import { box } from '../utils/detectors/box';
import { appContentScript } from '../utils/detectors/content-script';

/** Box: one small content script per app, holding only that app's detector. */
export default appContentScript([box]);
