import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { EXTENSION_ID, GECKO_ID } from '../../extension-id';
import { Microsoft365Mapping, targetFor } from './mapping';

/** The administrator's guide says what the code does: its example mapping validates, its redirect URIs are right. */

const guide = readFileSync(new URL('../../../docs/connectors/microsoft-365.md', import.meta.url), 'utf8');

describe('docs/connectors/microsoft-365.md', () => {
  it('gives an example mapping that the schema accepts and that maps its categories', () => {
    const example = /```json\n([\s\S]*?)\n```/.exec(guide)?.[1];
    expect(example).toBeDefined();
    const parsed = v.safeParse(Microsoft365Mapping, JSON.parse(example!));
    expect(parsed.issues ?? []).toEqual([]);
    const mapping = parsed.output as Microsoft365Mapping;
    expect(targetFor(mapping, { classification: { categoryId: 'HR/2.3' } })).toMatchObject({
      library: 'Grievances',
      retentionLabel: 'HR case record (7 years)',
    });
    expect(targetFor(mapping, { classification: { categoryId: 'LEGAL/1' } })).toMatchObject({ from: 'default' });
  });

  it('lists the redirect URIs identity.getRedirectURL() gives in Chromium and Firefox', () => {
    expect(guide).toContain(`https://${EXTENSION_ID}.chromiumapp.org/`);
    const firefox = createHash('sha1').update(GECKO_ID).digest('hex');
    expect(guide).toContain(`https://${firefox}.extensions.allizom.org/`);
    expect(guide).toContain(`(\`${GECKO_ID}\`)`);
  });
});
