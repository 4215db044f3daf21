import * as v from 'valibot';
import { signInFields, TimeoutSeconds, UserName } from '../alfresco/index';
import { defineConnector } from '../definition';
import { HttpUrl, originPattern } from '../http';
import { CMIS_PASSWORD, createCmisConnector } from './connector';
import { CMIS_CONNECTOR_ID } from './mapping';

/** A whole number given as a number (policy) or as the text of a form field. */
const WholeNumber = v.pipe(
  v.union([v.number(), v.pipe(v.string(), v.trim(), v.regex(/^\d{1,4}$/, 'must be a whole number'))]),
  v.transform(Number),
);

/**
 * A CMIS 1.1 repository over the browser binding (docs/connectors/cmis.md § Settings and policy keys). `url` is
 * the binding's service URL (policy's `repositoryUrl` sets it, as for every connector); the password is a secret.
 */
export const cmis = defineConnector({
  id: CMIS_CONNECTOR_ID,
  label: 'CMIS 1.1 repository (browser binding)',
  options: v.object({
    url: HttpUrl,
    /** Empty: the first repository the service lists. */
    repositoryId: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(256)), ''),
    username: UserName,
    deepVerification: v.optional(v.boolean(), false),
    /** Parts above this size go in pieces of this size (appendContentStream). */
    pieceMegabytes: v.optional(
      v.pipe(
        v.union([v.literal(''), WholeNumber]),
        v.transform((value) => (value === '' ? 8 : value)),
        v.number(),
        v.minValue(1, 'must be at least 1 MB'),
        v.maxValue(256, 'must be at most 256 MB'),
      ),
      8,
    ),
    /** Secondary type ids to try for Recordkeeper's properties, comma-separated; empty: the defaults. */
    secondaryTypes: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(1024),
        v.transform((text) =>
          text
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean),
        ),
        v.check(
          (ids) => ids.every((id) => /^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/.test(id)),
          'must be CMIS type ids separated by commas, like P:rk:identity',
        ),
      ),
      '',
    ),
    timeoutSeconds: TimeoutSeconds,
  }),
  fields: [
    {
      key: 'url',
      kind: 'url',
      label: 'Browser binding service URL',
      labelKey: 'cmisServiceUrl',
      placeholder: 'https://ecm.example.org/alfresco/api/-default-/public/cmis/versions/1.1/browser',
    },
    { key: 'repositoryId', kind: 'text', label: 'Repository id (empty: the first)', labelKey: 'cmisRepositoryId' },
    ...signInFields(CMIS_PASSWORD),
    {
      key: 'deepVerification',
      kind: 'checkbox',
      label: 'Deep verification: read every document back and check its SHA-256',
      labelKey: 'cmisDeepVerification',
    },
    {
      key: 'pieceMegabytes',
      kind: 'text',
      label: 'Large parts are sent in pieces of (MB)',
      labelKey: 'cmisPieceMegabytes',
      placeholder: '8',
    },
    {
      key: 'secondaryTypes',
      kind: 'text',
      label: "Secondary types for Recordkeeper's properties (comma-separated)",
      labelKey: 'cmisSecondaryTypes',
      placeholder: 'P:rk:identity, rk:identity',
    },
  ],
  create: (options, deps) =>
    createCmisConnector(
      {
        serviceUrl: options.url,
        repositoryId: options.repositoryId || undefined,
        username: options.username,
        deepVerification: options.deepVerification,
        chunkBytes: options.pieceMegabytes * 1024 * 1024,
        secondaryTypes: options.secondaryTypes.length ? options.secondaryTypes : undefined,
        timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
      },
      deps,
    ),
  origins: (options) => [originPattern(options.url)],
});
