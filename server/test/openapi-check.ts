import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../openapi.ts';

/**
 * Test support: checks that a response the server gave is one the OpenAPI document describes — the route, the
 * method and the status are listed, and a JSON body matches the schema given for them.
 */
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(openApiDocument, 'openapi');

const pointerEscape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const templates = Object.keys(openApiDocument.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The spec path (such as `/records/{id}`) for a request path under /api/v1, or undefined. */
export function specPathOf(apiPath: string): string | undefined {
  return templates.find(({ pattern }) => pattern.test(apiPath))?.template;
}

/** Throws with what differs when the response is not what the document says; returns quietly otherwise. */
export async function checkResponse(method: string, url: string, response: Response): Promise<void> {
  const path = new URL(url).pathname;
  if (!path.startsWith('/api/v1/')) return;
  const where = `${method} ${path} → ${response.status}`;
  const template = specPathOf(path.slice('/api/v1'.length));
  if (!template) {
    // Any other path is a 404 (or a 401 first, without a token) problem, which every client must expect.
    if (response.status !== 404 && response.status !== 401)
      throw new Error(`OpenAPI: ${where}: the path is not in the document`);
    return checkBody(where, 'openapi#/components/schemas/Problem', response);
  }
  // An OPTIONS preflight is answered by the CORS middleware for every path; it is not an operation.
  if (method === 'OPTIONS') return;
  const operation = (openApiDocument.paths as Record<string, Record<string, unknown>>)[template]![method.toLowerCase()];
  if (!operation) {
    throw new Error(`OpenAPI: ${where}: ${method} ${template} is not in the document`);
  }
  const responses = (operation as { responses: Record<string, { content?: Record<string, unknown> }> }).responses;
  const described = responses[String(response.status)];
  if (!described)
    throw new Error(`OpenAPI: ${where}: status ${response.status} is not listed for ${method} ${template}`);
  const type = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  if (!described.content) {
    if (response.status !== 304 && response.body && (await response.clone().text()) !== '') {
      throw new Error(`OpenAPI: ${where}: a body was sent where none is described`);
    }
    return;
  }
  const mediaType = described.content[type] ? type : described.content['*/*'] ? '*/*' : undefined;
  if (!mediaType) throw new Error(`OpenAPI: ${where}: content type "${type}" is not described`);
  if (!/json$/.test(type)) return;
  const pointer = `openapi#/paths/${pointerEscape(template)}/${method.toLowerCase()}/responses/${response.status}/content/${pointerEscape(mediaType)}/schema`;
  await checkBody(where, pointer, response);
}

async function checkBody(where: string, pointer: string, response: Response): Promise<void> {
  const validate = ajv.getSchema(pointer);
  if (!validate) throw new Error(`OpenAPI: ${where}: no schema at ${pointer}`);
  const body = JSON.parse(await response.clone().text());
  if (!validate(body)) {
    throw new Error(`OpenAPI: ${where}: body does not match the schema: ${ajv.errorsText(validate.errors)}`);
  }
}
