import { appContentScript } from '../utils/detecting/content-script';
import { confluence } from '../utils/detectors/confluence';
import { jira } from '../utils/detectors/jira';

/** Confluence and Jira, which share atlassian.net: one small content script per app, holding only that app's detector. */
export default appContentScript([confluence, jira]);
