import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { DEMO_PRESETS } from '../../server/presets';
import { JSON_SCHEMA_PATH, presetsJsonSchema } from './json-schema';
import { parseJsonc } from './jsonc';
import { validatePresets } from './validate';

const root = join(import.meta.dirname, '../..');
const example = () => parseJsonc(readFileSync(join(root, 'docs/presets-example.jsonc'), 'utf8'));

describe('published JSON Schema', () => {
  it('is current: public/presets.schema.json is what `npm run presets -- schema` generates now', () => {
    const checkedIn = JSON.parse(readFileSync(join(root, JSON_SCHEMA_PATH), 'utf8'));
    expect(checkedIn).toEqual(presetsJsonSchema());
  });

  it('is draft 2020-12 with titles and descriptions', () => {
    const schema = presetsJsonSchema();
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'Recordkeeper presets',
      additionalProperties: false,
    });
    expect(JSON.stringify(schema)).toContain('"title":"Site plugin"');
  });

  it('accepts the docs/presets.md example and the annotated example, and refuses a typo', () => {
    const validate = new Ajv2020({ strict: false }).compile(presetsJsonSchema());
    expect(validate(DEMO_PRESETS)).toBe(true);
    expect(validate(example())).toBe(true);
    expect(validate({ ...DEMO_PRESETS, profile: [] })).toBe(false);
  });
});

describe('docs/presets-example.jsonc', () => {
  it('validates, cross-checks included', () => {
    const result = validatePresets(example());
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
