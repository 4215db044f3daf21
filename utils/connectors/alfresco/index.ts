import * as v from 'valibot';
import { defineConnector } from '../definition';
import { HttpUrl, originPattern } from '../http';
import { ALFRESCO_PASSWORD } from './client';
import { createAlfrescoConnector } from './connector';
import { ALFRESCO_CONNECTOR_ID } from './mapping';

/** A user name as Alfresco takes it: one line, no control characters (it travels in JSON, never in a header). */
export const UserName = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'enter the user name'),
  v.maxLength(256),
  v.regex(/^[^\p{Cc}]*$/u, 'must be one line without control characters'),
);

/** Seconds one request may take before it is abandoned and retried (policy only; the form does not show it). */
export const TimeoutSeconds = v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(3600)));

/** The options page's fields for a user name and its password (a secret, kept apart from the options). */
export function signInFields(passwordKey: string) {
  return [
    { key: 'username', kind: 'text', label: 'User name', labelKey: 'connectorUserName' },
    { key: passwordKey, kind: 'password', secret: true, label: 'Password', labelKey: 'connectorPassword' },
  ] as const;
}

/**
 * Alfresco Governance Services (docs/connectors/alfresco.md § Settings and policy keys). The options are what
 * policy's `connectorOptions` and the options page set; the password is a secret, kept by the background's
 * credential store (utils/secrets.ts) and never an option.
 */
export const alfrescoGs = defineConnector({
  id: ALFRESCO_CONNECTOR_ID,
  label: 'Alfresco Governance Services',
  options: v.object({
    url: HttpUrl,
    username: UserName,
    deepVerification: v.optional(v.boolean(), false),
    timeoutSeconds: TimeoutSeconds,
  }),
  fields: [
    {
      key: 'url',
      kind: 'url',
      label: 'Alfresco address',
      labelKey: 'alfrescoUrl',
      placeholder: 'https://ecm.example.org',
    },
    ...signInFields(ALFRESCO_PASSWORD),
    {
      key: 'deepVerification',
      kind: 'checkbox',
      label: 'Deep verification: read every record back and check its SHA-256 before completing it',
      labelKey: 'deepVerification',
    },
  ],
  create: (options, deps) =>
    createAlfrescoConnector(
      {
        url: options.url,
        username: options.username,
        deepVerification: options.deepVerification,
        timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
      },
      deps,
    ),
  origins: (options) => [originPattern(options.url)],
});
