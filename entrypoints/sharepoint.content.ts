import { appContentScript } from '../utils/detecting/content-script';
import { sharepoint } from '../utils/detectors/sharepoint';

/** SharePoint Online and OneDrive: one small content script per app, holding only that app's detector. */
export default appContentScript([sharepoint]);
