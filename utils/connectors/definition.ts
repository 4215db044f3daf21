import * as v from 'valibot';
import { describeIssues } from '../records/record';
import type { Connector, ConnectorDeps } from './connector';

/**
 * What the registry (index.ts) knows of each kind of repository: its options and how to make a connector from
 * them. Settings name a definition by `id` and hold its options (never its secrets, which the CredentialStore
 * keeps); enterprise policy can set both (public/managed_schema.json: `connector`, `connectorOptions`).
 */

/** One input of the connection form. An option is kept in the settings; a secret in the CredentialStore. */
export interface ConnectorField {
  /** The option's key in the options object, or the secret's name. By convention `url` is the base URL. */
  key: string;
  kind: 'url' | 'text' | 'password' | 'checkbox';
  /** Kept in the CredentialStore (write-only for pages: they learn whether it is set, never its value). */
  secret?: boolean | undefined;
  /** The label in English, and the key of its translation in public/_locales when there is one. */
  label: string;
  labelKey?: string | undefined;
  placeholder?: string | undefined;
}

declare const checkedOptions: unique symbol;
/** Options that passed their connector's schema; only `check` makes them. */
export type ConnectorOptions = Readonly<Record<string, unknown>> & { readonly [checkedOptions]: true };

export type OptionsCheck = { ok: true; options: ConnectorOptions } | { ok: false; problems: string[] };

export interface ConnectorDefinition {
  readonly id: string;
  readonly label: string;
  readonly fields: readonly ConnectorField[];
  /** The options schema, for documentation; `check` applies it. */
  readonly options: v.GenericSchema;
  /** The options with defaults filled in, or every problem as `path: message`. */
  check(input: unknown): OptionsCheck;
  create(options: ConnectorOptions, deps: ConnectorDeps): Connector;
  /** The host permissions (match patterns) the background needs to reach the repository. */
  origins(options: ConnectorOptions): string[];
}

export interface ConnectorSpec<S extends v.GenericSchema<unknown, Record<string, unknown>>> {
  id: string;
  label: string;
  fields: readonly ConnectorField[];
  options: S;
  create(options: v.InferOutput<S>, deps: ConnectorDeps): Connector;
  origins(options: v.InferOutput<S>): string[];
}

/** A definition from a connector's typed spec: its `create` and `origins` only ever see options that passed. */
export function defineConnector<S extends v.GenericSchema<unknown, Record<string, unknown>>>(
  spec: ConnectorSpec<S>,
): ConnectorDefinition {
  const typed = (options: ConnectorOptions) => options as unknown as v.InferOutput<S>;
  return {
    id: spec.id,
    label: spec.label,
    fields: spec.fields,
    options: spec.options,
    check(input) {
      const parsed = v.safeParse(spec.options, input);
      return parsed.success
        ? { ok: true, options: parsed.output as unknown as ConnectorOptions }
        : { ok: false, problems: describeIssues(parsed.issues) };
    },
    create: (options, deps) => spec.create(typed(options), deps),
    origins: (options) => spec.origins(typed(options)),
  };
}

/** The names of the secrets a definition reads. */
export const secretNames = (definition: ConnectorDefinition): string[] =>
  definition.fields.filter((field) => field.secret).map((field) => field.key);
