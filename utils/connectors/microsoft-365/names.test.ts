import { describe, expect, it } from 'vitest';
import { MAPPING, RECORD_COLUMNS, recordWith } from '../../../tests/fakes/graph/tenant';
import { columnValues, targetFor } from './mapping';
import { partNames, recordFolderName, safeName } from './names';

describe('SharePoint names', () => {
  it('replaces what SharePoint refuses and keeps the rest', () => {
    expect(safeName('Re: "Q3" <draft>?.docx', 'x')).toBe('Re_ _Q3_ _draft__.docx');
    expect(safeName('  trailing dots... ', 'x')).toBe('trailing dots');
    expect(safeName('CON', 'fallback')).toBe('fallback');
    expect(safeName('~$lock.docx', 'fallback')).toBe('fallback');
    expect(safeName('a_vti_b', 'x')).toBe('a_vti-b');
    const long = `${'n'.repeat(300)}.pdf`;
    expect(safeName(long, 'x')).toHaveLength(120);
    expect(safeName(long, 'x').endsWith('.pdf')).toBe(true);
  });

  it('names the record folder from its title and id, the same on every retry', async () => {
    const record = await recordWith([], { title: 'Invoice #42 / March' });
    expect(recordFolderName(record)).toBe(`Invoice _42 _ March (${record.id})`);
    expect(recordFolderName({ ...record, title: '???' })).toBe(`___ (${record.id})`);
    expect(recordFolderName({ ...record, title: '...' })).toBe(record.id);
  });

  it('keeps part names unique within the record, case-insensitively', async () => {
    const record = await recordWith([
      { name: 'scan.pdf', bytes: new Uint8Array(1) },
      { name: 'SCAN.pdf', bytes: new Uint8Array(1) },
      { name: 'notes.txt', bytes: new Uint8Array(1) },
    ]);
    expect(partNames(record)).toEqual(['scan (1).pdf', 'SCAN (2).pdf', 'notes.txt']);
    const tricky = await recordWith([
      { name: 'a.txt', bytes: new Uint8Array(1) },
      { name: 'a (1).txt', bytes: new Uint8Array(1) },
      { name: 'A.txt', bytes: new Uint8Array(1) },
    ]);
    const names = partNames(tricky);
    expect(names).toEqual(['a (1.2).txt', 'a (1).txt', 'A (3).txt']);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(3);
  });
});

describe('mapping', () => {
  it('maps a category, or the default, and says which category is unmapped', async () => {
    const record = await recordWith([]);
    expect(targetFor(MAPPING, record)).toMatchObject({ library: 'Records', folder: 'HR/Grievances', from: 'HR/2.3' });
    expect(targetFor(MAPPING, { classification: { categoryId: 'X' } })).toEqual({
      error: "File-plan category X has no Microsoft 365 library in the presets' mapping.",
    });
    const withDefault = {
      ...MAPPING,
      default: { site: 'contoso.sharepoint.com:/sites/records', library: 'Documents' },
    };
    expect(targetFor(withDefault, { classification: {} })).toMatchObject({ library: 'Documents', from: 'default' });
  });

  it('sets each mapped column the record has a value for, profile fields included', async () => {
    const record = await recordWith([], { tags: [] });
    const target = targetFor(MAPPING, record);
    if ('error' in target) throw new Error(target.error);
    expect(columnValues(record, target.columns)).toEqual({
      Title: record.title,
      RecordId: record.id,
      ...RECORD_COLUMNS,
      CaseNumber: 'HR-2291',
    });
  });
});
