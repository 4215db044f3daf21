import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeRecord } from '../../../tests/fakes/alfresco/support.ts';
import { guideExample } from '../../../tests/fakes/connector-definition.ts';
import { identityProperties, metadataProperties, parseAlfrescoMapping, placementOf } from './mapping';

const record = () => makeRecord([{ name: 'a.pdf', bytes: new Uint8Array(3) }]);

function ok(input: unknown) {
  const result = parseAlfrescoMapping(input);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.mapping;
}

describe('Alfresco mapping', () => {
  it('accepts the example of the admin guide', () => {
    const mapping = ok(guideExample('alfresco', 'alfresco mapping'));
    expect(Object.keys(mapping.categories).length).toBeGreaterThan(1);
  });

  it('refuses what would misfile or clobber, saying where', () => {
    const result = parseAlfrescoMapping({
      categories: { 'HR/2.3': { folderId: 'not-a-uuid' }, 'FIN/1': { path: 'OnlyOneLevel' }, X: { path: 'A/b:c' } },
      properties: { 'rk:recordId': 'title', 'cm:name': 'title', 'no-prefix': 'title' },
      surprise: true,
    });
    expect(result.ok).toBe(false);
    const problems = (result as { problems: string[] }).problems.join('\n');
    for (const where of [
      'categories.HR/2.3',
      'categories.FIN/1',
      'categories.X',
      'rk:recordId',
      'cm:name',
      'no-prefix',
      'surprise',
    ]) {
      expect(problems).toContain(where);
    }
  });

  it('places a mapped category in its folder, the rest unfiled or refused', () => {
    const folderId = '0f0e0d0c-0b0a-4909-8807-060504030201';
    const mapping = ok({ categories: { 'FIN/1': { folderId } } });
    expect(placementOf(record(), mapping)).toEqual({ kind: 'folder', ref: { folderId }, categoryId: 'FIN/1' });
    const other = { ...record(), classification: { categoryId: 'HR/2.3' } };
    expect(placementOf(other, mapping)).toEqual({ kind: 'unfiled' });
    expect(placementOf(other, ok({ unmapped: 'refuse' }))).toMatchObject({ kind: 'refused' });
  });

  it('fills record properties from the record, the mapping over the defaults, and says what stayed empty', () => {
    const r = { ...record(), fields: { caseNumber: 'FIN-7' }, tags: ['paid', 'supplier'] };
    const { properties, unfilled } = metadataProperties(
      r,
      ok({
        properties: {
          'rma:originatingOrganization': { value: 'Finance' },
          'rmc:case': { field: 'caseNumber' },
          'cm:description': null,
          'rmc:tags': 'tags',
          'rmc:lang': 'language',
        },
      }),
    );
    expect(properties).toEqual({
      'cm:title': 'Supplier invoice 42',
      'rma:originator': 'Ann Archer <ann@example.org>',
      'rma:originatingOrganization': 'Finance',
      'rma:publicationDate': '2026-11-20T09:14:00.000Z',
      'rmc:case': 'FIN-7',
      'rmc:tags': 'paid, supplier',
    });
    expect(unfilled).toEqual(['rmc:lang']);
    // Falls back along the list: no originator → the author, the owner, then who declared it.
    const bare = { ...record(), metadata: {} };
    expect(metadataProperties(bare, ok({})).properties['rma:originator']).toBe('ann@example.org');
    expect(metadataProperties(bare, ok({})).properties['rma:publicationDate']).toBe('2026-11-23T10:00:00.000Z');
  });

  it('names each part with our id, its place and its digest', () => {
    const r = record();
    expect(identityProperties(r, r.content[0]!, 0)).toMatchObject({
      'rk:recordId': r.id,
      'rk:partIndex': '0',
      'rk:partRole': 'primary',
      'rk:partCount': '1',
      'rk:sha256': r.content[0]!.sha256,
    });
  });
});

describe('the Recordkeeper model shipped with the guide', () => {
  it('is well-formed and defines every property the connector sets', async () => {
    const { Window } = await import('happy-dom');
    const xml = readFileSync(new URL('../../../docs/connectors/recordkeeper-model.xml', import.meta.url), 'utf8');
    const doc = new new Window().DOMParser().parseFromString(xml, 'application/xml');
    expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
    const aspect = [...doc.getElementsByTagName('aspect')].find((a) => a.getAttribute('name') === 'rk:identity');
    expect(aspect).toBeDefined();
    const defined = [...aspect!.getElementsByTagName('property')].map((p) => p.getAttribute('name'));
    const r = record();
    expect(defined.sort()).toEqual(
      [...Object.keys(identityProperties(r, r.content[0]!, 0)), 'rk:primaryRecord'].sort(),
    );
  });
});
