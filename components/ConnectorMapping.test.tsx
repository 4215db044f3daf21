// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_PRESETS } from '../utils/presets/schema';
import { type MappingSlice, mappingSlice } from '../utils/ui/presets-overview';
import { ConnectorMapping, mappingView } from './ConnectorMapping';
import { mountIn, tEn, unmount } from './test-utils';

const presets = (connectors: Record<string, unknown>): MappingSlice =>
  mappingSlice({
    ...EMPTY_PRESETS,
    filePlan: [
      { id: 'HR', title: 'Human resources', children: [{ id: 'HR/2.3', title: 'Grievances' }] },
      { id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices' }] },
    ],
    connectors,
  });

let root: HTMLElement | undefined;
afterEach(() => unmount(root));

describe('mappingView', () => {
  it('lists each mapped category with its title and target, and where the others go', () => {
    const view = mappingView(
      presets({
        'alfresco-gs': {
          categories: {
            'HR/2.3': { path: 'Human Resources/Grievances/2026' },
            'FIN/1': { folderId: '5b3f6c2e-8f1d-4a7b-9c0e-2d4f6a8b0c1e' },
          },
          unmapped: 'unfiled',
        },
      }),
      'alfresco-gs',
      tEn,
    );
    expect(view).toEqual({
      rows: [
        { categoryId: 'HR/2.3', title: 'Grievances', target: 'Human Resources/Grievances/2026' },
        { categoryId: 'FIN/1', title: 'Invoices', target: 'the folder with id 5b3f6c2e-8f1d-4a7b-9c0e-2d4f6a8b0c1e' },
      ],
      others: 2,
      unmapped: 'filed in the unfiled records container',
    });
  });

  it('says unmapped records are not filed when the mapping has no place for them, or a folder when it has', () => {
    const refused = mappingView(presets({ cmis: { categories: {} } }), 'cmis', tEn);
    expect(refused).toMatchObject({ rows: [], others: 4, unmapped: expect.stringMatching(/^not filed/) });
    const elsewhere = mappingView(presets({ cmis: { unmapped: { path: '/Records/To file' } } }), 'cmis', tEn);
    expect(elsewhere?.unmapped).toBe('/Records/To file');
  });

  it('shows nothing for a connector that maps nothing', () => {
    expect(mappingView(presets({}), 'records-api', tEn)).toBeUndefined();
    expect(mappingView(presets({}), undefined, tEn)).toBeUndefined();
  });
});

describe('ConnectorMapping', () => {
  it('renders the table as text, marking a mapped category the file plan lacks', async () => {
    root = await mountIn(
      <ConnectorMapping
        presets={presets({ cmis: { categories: { 'FIN/1': { path: '/F' }, '<b>X</b>': { path: '/<i>x</i>' } } } })}
        connector="cmis"
      />,
    );
    const cells = [...root.querySelectorAll('tbody tr')].map((tr) => tr.textContent);
    expect(cells).toEqual(['FIN/1 Invoices/F', '<b>X</b> (not in the file plan)/<i>x</i>']);
    expect(root.querySelector('b, i')).toBeNull();
    expect(root.textContent).toContain('The 3 other categories: not filed');
  });
});
