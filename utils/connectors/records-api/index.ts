import * as v from 'valibot';
import { defineConnector } from '../definition';
import { HttpUrl, originPattern } from '../http';
import { RECORDS_API_ID, recordsApiConnector } from './connector';

/** Records API v1: the reference repository (server/) and any server that implements docs/records-api.md. */
export const recordsApi = defineConnector({
  id: RECORDS_API_ID,
  label: 'Records API v1',
  options: v.object({ url: HttpUrl }),
  fields: [
    {
      key: 'url',
      kind: 'url',
      label: 'Repository URL',
      labelKey: 'repositoryUrl',
      placeholder: 'https://records.example.org',
    },
    {
      key: 'token',
      kind: 'password',
      secret: true,
      label: 'Access token',
      labelKey: 'accessToken',
      placeholder: 'rk_…',
    },
  ],
  create: (options, deps) => recordsApiConnector(options, deps),
  origins: (options) => [originPattern(options.url)],
});
