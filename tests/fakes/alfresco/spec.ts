/**
 * Validation of requests and responses against Alfresco's own Swagger 2.0 definitions, pinned in `api/`
 * (api/SOURCES.md). swagger-parser checks each file is a valid Swagger 2.0 document and resolves its parameter
 * references; Ajv in draft-04 mode (Swagger 2.0 Schema Objects are a draft-04 subset) validates bodies against the
 * file's own `definitions`. Node only: the fakes use it, the extension never does.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv, { type ValidateFunction } from 'ajv-draft-04';

type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'body' | 'formData';
  required?: boolean;
  type?: string;
  items?: { type?: string };
  minimum?: number;
  enum?: unknown[];
  schema?: Schema;
}
interface OperationObject {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  consumes?: string[];
  responses: Record<string, { schema?: Schema }>;
}
interface SwaggerDocument {
  basePath: string;
  consumes?: string[];
  paths: Record<string, Record<string, OperationObject>>;
  parameters?: Record<string, Parameter>;
  definitions?: Record<string, Schema>;
}

export interface Operation {
  spec: string;
  id: string;
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  parameters: Parameter[];
  consumes: string[];
  responses: Record<string, { schema?: Schema }>;
}

export interface Match {
  operation: Operation;
  pathParams: Record<string, string>;
}

/**
 * Dates as Alfresco writes them: ISO 8601 with an offset that may lack its colon ("2016-10-12T15:24:31.202+0000",
 * the search API's own example). RFC 3339 wants the colon; real answers do not have it, so both are accepted.
 */
const ALFRESCO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

function rewriteRefs(value: unknown, spec: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, spec));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        key === '$ref' && typeof item === 'string' && item.startsWith('#/')
          ? `${spec}${item}`
          : rewriteRefs(item, spec),
      ]),
    );
  }
  return value;
}

export class ApiSpecs {
  // The definitions' name pattern is written for Java's regex engine (escapes like \" and \: that JavaScript's
  // unicode mode refuses); non-unicode JavaScript regexes read those escapes the same way Java does.
  private readonly ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor() {
    this.ajv.addFormat('int32', {
      type: 'number',
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
    });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('float', { type: 'number', validate: () => true });
    this.ajv.addFormat('date-time', ALFRESCO_DATE_TIME);
  }

  private static loaded = new Map<string, Promise<ApiSpecs>>();

  /** Loads and checks the pinned definitions (each a valid Swagger 2.0 document, or this throws), once per run. */
  static load(names: string[]): Promise<ApiSpecs> {
    const key = names.join(',');
    let specs = ApiSpecs.loaded.get(key);
    if (!specs) {
      specs = ApiSpecs.read(names);
      ApiSpecs.loaded.set(key, specs);
    }
    return specs;
  }

  private static async read(names: string[]): Promise<ApiSpecs> {
    const specs = new ApiSpecs();
    for (const name of names) {
      const file = fileURLToPath(new URL(`./api/${name}.yaml`, import.meta.url));
      await SwaggerParser.validate(file);
      const doc = (await SwaggerParser.parse(file)) as unknown as SwaggerDocument;
      specs.ajv.addSchema({ id: name, definitions: rewriteRefs(doc.definitions ?? {}, name) }, name);
      for (const [template, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          const names: string[] = [];
          const full = `${doc.basePath}${template}`;
          const pattern = new RegExp(
            `^${full.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, param: string) => {
              names.push(param);
              return '([^/]+)';
            })}$`,
          );
          const parameters = (op.parameters ?? []).map((p) =>
            '$ref' in p ? doc.parameters![p.$ref.replace('#/parameters/', '')]! : p,
          );
          specs.operations.push({
            spec: name,
            id: op.operationId,
            method: method.toUpperCase(),
            template: full,
            pattern,
            names,
            parameters,
            consumes: op.consumes ?? doc.consumes ?? ['application/json'],
            responses: op.responses,
          });
        }
      }
    }
    // Literal segments win over templated ones (/gs-sites/rm before a template that would also match it).
    specs.operations.sort((a, b) => a.names.length - b.names.length);
    return specs;
  }

  /** A pinned file's text, to check it is the copy SOURCES.md names. */
  static text(name: string): string {
    return readFileSync(fileURLToPath(new URL(`./api/${name}.yaml`, import.meta.url)), 'utf8');
  }

  match(method: string, pathname: string): Match | undefined {
    for (const operation of this.operations) {
      if (operation.method !== method) continue;
      const m = operation.pattern.exec(pathname);
      if (!m) continue;
      const pathParams = Object.fromEntries(operation.names.map((name, i) => [name, decodeURIComponent(m[i + 1]!)]));
      return { operation, pathParams };
    }
    return undefined;
  }

  private validator(spec: string, schema: Schema): ValidateFunction {
    const key = `${spec}:${JSON.stringify(schema)}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rewriteRefs(schema, spec) as Schema);
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Problems with a value against a schema of the operation's document; empty when it conforms. */
  check(operation: Operation, schema: Schema, value: unknown): string[] {
    const validate = this.validator(operation.spec, schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`);
  }

  /**
   * A request against its operation: every parameter the spec requires is there and of its type, no parameter
   * the spec does not list, a declared content type, and a JSON body that matches the body parameter's schema.
   */
  checkRequest(
    match: Match,
    request: {
      query: URLSearchParams;
      headers: Record<string, string | undefined>;
      contentType: string;
      json?: unknown;
    },
  ): string[] {
    const { operation } = match;
    const problems: string[] = [];
    const declared = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const key of new Set(request.query.keys())) {
      if (!declared.has(key)) problems.push(`query parameter ${key} is not in ${operation.id}`);
    }
    for (const p of operation.parameters) {
      const raw =
        p.in === 'query'
          ? request.query.get(p.name)
          : p.in === 'path'
            ? match.pathParams[p.name]
            : p.in === 'header'
              ? request.headers[p.name.toLowerCase()]
              : undefined;
      if (p.in === 'body') {
        if (request.contentType.startsWith('application/json')) {
          if (request.json === undefined && p.required) problems.push(`${operation.id} needs a JSON body`);
          else if (p.schema) problems.push(...this.check(operation, p.schema, request.json).map((m) => `body ${m}`));
        }
        continue;
      }
      if (raw === undefined || raw === null) {
        if (p.required) problems.push(`${p.in} parameter ${p.name} is required by ${operation.id}`);
        continue;
      }
      const values = p.type === 'array' ? raw.split(',') : [raw];
      const type = p.type === 'array' ? p.items?.type : p.type;
      for (const value of values) {
        if (type === 'integer' && !/^-?\d+$/.test(value)) problems.push(`${p.name} must be an integer`);
        if (type === 'integer' && p.minimum !== undefined && Number(value) < p.minimum) {
          problems.push(`${p.name} must be at least ${p.minimum}`);
        }
        if (type === 'boolean' && value !== 'true' && value !== 'false')
          problems.push(`${p.name} must be true or false`);
        if (p.enum && !p.enum.includes(value)) problems.push(`${p.name} must be one of ${p.enum.join(', ')}`);
      }
    }
    const method = operation.method;
    if ((method === 'POST' || method === 'PUT') && request.contentType) {
      const type = request.contentType.split(';')[0]!.trim();
      if (!operation.consumes.includes(type)) problems.push(`${operation.id} does not consume ${type}`);
    }
    return problems;
  }

  /**
   * A response against its operation: its status is declared (or a `default` covers it), and a JSON body matches
   * the schema declared for that status. An undeclared error status must still carry the `Error` definition.
   */
  checkResponse(operation: Operation, status: number, json: unknown): string[] {
    const declared = operation.responses[String(status)] ?? operation.responses.default;
    if (!declared) {
      if (status < 400) return [`${operation.id} does not declare status ${status}`];
      return this.check(operation, { $ref: '#/definitions/Error' }, json).map((m) => `undeclared ${status} body ${m}`);
    }
    // Statuses declared without a schema (400, 404, 422 …) still carry the Error definition: it is what every
    // Alfresco API answers a failure with.
    const schema = declared.schema ?? (status >= 400 ? { $ref: '#/definitions/Error' } : undefined);
    if (!schema) return [];
    return this.check(operation, schema, json).map((m) => `${status} ${m}`);
  }
}
