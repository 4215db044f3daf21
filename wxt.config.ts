import { resolve } from 'node:path';
import { defineConfig } from 'wxt';
import { contentScriptMatches } from './utils/detectors/index';
import { EXTENSION_KEY, GECKO_ID } from './utils/extension-id';

/**
 * Permissions are the least that work: the known web apps are declared as content-script hosts, any other page
 * is read only on the user's gesture (activeTab + scripting), and the repository origin is an optional host
 * permission requested when the user sets it in options.
 */
/** Any repository origin may be granted at runtime; none is granted at install. */
const REPOSITORY_ORIGINS = ['https://*/*', 'http://*/*'];

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  imports: false,
  vite: () => ({
    resolve: {
      // msgreader (Outlook .msg) pulls in iconv-lite, which needs Node's Buffer; TextDecoder does the job here.
      alias: { 'iconv-lite': resolve('utils/capture/parse/iconv-lite-shim.ts') },
    },
  }),
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    // The known web apps' pages, where the content script runs and snapshots are taken: never all sites.
    host_permissions: contentScriptMatches,
    permissions: ['storage', 'alarms', 'activeTab', 'scripting', 'contextMenus', 'notifications', 'identity'],
    commands: {
      // MV2 (Firefox) names the toolbar button's command differently from MV3. A shortcut no browser takes on any
      // platform (Ctrl+Shift+Y opens Firefox's Library on Linux): the README's "Keyboard shortcut" section says
      // how it was chosen. The e2e tests press what the built manifest suggests.
      [browser === 'firefox' ? '_execute_browser_action' : '_execute_action']: {
        suggested_key: { default: 'Alt+Shift+D', mac: 'MacCtrl+Shift+D' },
      },
    },
    ...(browser === 'firefox'
      ? {
          // Firefox builds are MV2, where optional origins are listed with the optional permissions.
          optional_permissions: REPOSITORY_ORIGINS,
          // Firefox puts a new add-on's button in the Extensions panel, where its badge (the count of declarable
          // items) cannot be seen: on the toolbar it shows, as in Chrome.
          browser_action: { default_area: 'navbar' },
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              strict_min_version: '115.0',
              // What is sent, and only ever to the repository the user or their organisation configured.
              data_collection_permissions: { required: ['personalCommunications', 'websiteContent'] },
            },
          },
        }
      : {
          optional_host_permissions: REPOSITORY_ORIGINS,
          // MHTML archives of pages beside the sanitised snapshot, when the user or the admin turns them on.
          optional_permissions: ['pageCapture'],
          // The Chrome Web Store refuses a `key` and assigns the id itself; every other build pins it.
          ...(process.env.RK_STORE_ZIP ? {} : { key: EXTENSION_KEY }),
          storage: { managed_schema: 'managed_schema.json' },
        }),
  }),
});
