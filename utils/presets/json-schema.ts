import { toJsonSchema } from '@valibot/to-json-schema';
import { CategorySchema, PresetsSchema } from './schema';

/** Where the generated schema is checked in, relative to the project root. */
export const JSON_SCHEMA_PATH = 'public/presets.schema.json';

/**
 * The presets schema as JSON Schema (draft 2020-12) for admins and their editors, generated from `schema.ts`, the
 * single source of truth. The cross-reference checks of `validate.ts` (unique ids, references that resolve, valid
 * regexes and patterns) cannot be expressed in JSON Schema; the CLI's `validate` runs them.
 */
export function presetsJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = toJsonSchema(PresetsSchema, {
    target: 'draft-2020-12',
    definitions: { Category: CategorySchema },
    errorMode: 'throw',
  }) as Record<string, unknown>;
  return { $schema, ...schema };
}

/** The file's exact text: two-space indented, with a final newline. */
export function presetsJsonSchemaText(): string {
  return `${JSON.stringify(presetsJsonSchema(), null, 2)}\n`;
}
