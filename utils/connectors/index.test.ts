import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { PresetsSchema } from '../presets/schema';
import { DEFAULT_CONNECTOR } from '../settings';
import { connectorDefinition, connectorDefinitions } from './index';
import { connectorMappings } from './mappings';

describe('the connector registry', () => {
  it('lists each connector once, under an id settings and policy can name, the default among them', () => {
    const ids = connectorDefinitions.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(connectorDefinition(DEFAULT_CONNECTOR)?.label).toBe('Records API v1');
  });

  it('has a definition for every presets mapping, and the presets schema takes each by its id', () => {
    for (const id of Object.keys(connectorMappings)) expect(connectorDefinition(id), id).toBeDefined();
    const schema = PresetsSchema.pipe[0].entries.connectors;
    expect(v.safeParse(schema, {}).success).toBe(true);
    // Records API v1 files by the record's own category: no mapping, so a section for it is a mistake.
    expect(v.safeParse(schema, { 'records-api': {} }).success).toBe(false);
  });

  it('keeps secrets out of the options: a secret field is never an option its schema keeps', () => {
    for (const definition of connectorDefinitions) {
      const secrets = definition.fields.filter((f) => f.secret).map((f) => [f.key, 'x']);
      const options = Object.fromEntries(
        definition.fields.filter((f) => !f.secret).map((f) => [f.key, 'https://x.org']),
      );
      const checked = definition.check({ ...options, ...Object.fromEntries(secrets) });
      if (checked.ok) for (const [name] of secrets) expect(checked.options, definition.id).not.toHaveProperty(name!);
    }
  });
});
