import { appContentScript } from '../utils/detecting/content-script';
import { slack } from '../utils/detectors/slack';

/** Slack: one small content script per app, holding only that app's detector. */
export default appContentScript([slack]);
