import { describe, expect, it } from 'vitest';
import { makeRecord } from '../../../tests/fakes/alfresco/support.ts';
import { guideExample } from '../../../tests/fakes/connector-definition.ts';
import { documentName } from './connector';
import { cmisPlacement, cmisProperties, parseCmisMapping } from './mapping';

describe('CMIS mapping', () => {
  it('accepts the example of the admin guide', () => {
    const result = parseCmisMapping(guideExample('cmis', 'cmis mapping'));
    expect(result).toMatchObject({ ok: true, mapping: { documentType: 'cmis:document' } });
  });

  it('refuses relative paths, system properties and our own', () => {
    const result = parseCmisMapping({
      categories: { A: { path: 'Records/A' }, B: { path: '/Records/../Secret' } },
      properties: { 'cmis:name': 'title', 'rk:recordId': 'title' },
    });
    expect(result.ok).toBe(false);
    const problems = (result as { problems: string[] }).problems.join('\n');
    for (const where of ['categories.A', 'categories.B', 'cmis:name', 'rk:recordId']) expect(problems).toContain(where);
  });

  it('places records, refuses unmapped ones without a folder for them, and fills properties', () => {
    const record = makeRecord([{ name: 'a.pdf', bytes: new Uint8Array(1) }], {
      metadata: { description: 'Paid', originator: 'Ann Archer <ann@example.org>' },
    });
    const ok = parseCmisMapping({ categories: { 'FIN/1': { path: '/F' } }, properties: { 'cm:author': 'originator' } });
    if (!ok.ok) throw new Error(ok.problems.join());
    expect(cmisPlacement(record, ok.mapping)).toEqual({ ref: { path: '/F' }, label: 'category FIN/1' });
    expect(cmisPlacement({ ...record, classification: {} }, ok.mapping)).toMatchObject({ refused: expect.any(String) });
    expect(cmisProperties(record, ok.mapping)).toEqual({
      'cmis:description': 'Paid',
      'cm:author': 'Ann Archer <ann@example.org>',
    });
  });

  it('names a document after its part and the record, so its path identifies it', () => {
    const record = makeRecord([{ name: 'a/b.tar.gz', bytes: new Uint8Array(1) }]);
    expect(documentName({ ...record.content[0]!, name: 'report.final.pdf' }, record.id)).toBe(
      `report.final [${record.id}].pdf`,
    );
    expect(documentName({ ...record.content[0]!, name: 'README' }, record.id)).toBe(`README [${record.id}]`);
  });
});
