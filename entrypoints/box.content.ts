import { appContentScript } from '../utils/detecting/content-script';
import { box } from '../utils/detectors/box';

/** Box: one small content script per app, holding only that app's detector. */
export default appContentScript([box]);
