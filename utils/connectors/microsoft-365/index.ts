import { browserWebAuthFlow } from '../../auth/identity';
import { scopesFor } from '../../auth/microsoft';
import { defineConnector } from '../definition';
import { microsoftSession } from './account';
import { createMicrosoft365Connector, MICROSOFT_365_ID } from './connector';
import { graphBaseOf, MICROSOFT_365_FIELDS, Microsoft365Options, microsoftOrigins } from './settings';

/**
 * Microsoft 365: SharePoint Online and OneDrive for Business libraries as the records repository, through
 * Microsoft Graph, signed in as the user (docs/connectors/microsoft-365.md). The options name the tenant and the
 * app registration; the category → library mapping comes from the presets (`connectors["microsoft-365"]`,
 * mapping.ts); the tokens are the connector's own secrets, set by the sign-in, never typed in.
 */
export const microsoft365 = defineConnector({
  id: MICROSOFT_365_ID,
  label: 'Microsoft 365 (SharePoint)',
  options: Microsoft365Options,
  fields: MICROSOFT_365_FIELDS,
  create(options, deps) {
    const session = microsoftSession(options, { ...deps, flow: browserWebAuthFlow });
    const scopes = scopesFor(['file']);
    return createMicrosoft365Connector({
      ...deps,
      graphBase: graphBaseOf(options),
      // Silent only: a sign-in the user must see is asked for by the options page or the popup, never by a send.
      token: (o) => session.accessToken(scopes, o),
    });
  },
  origins: microsoftOrigins,
});
