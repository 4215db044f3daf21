import { connectorMappings } from '../utils/connectors/mappings';
import type { Translate } from '../utils/ui/i18n';
import type { MappingSlice } from '../utils/ui/presets-overview';
import { ColumnHeads } from './ColumnHeads';
import { useT } from './i18n';

/** One mapped category, as the options page lists it. */
export interface MappingRow {
  categoryId: string;
  /** The file plan's title for it; absent when the mapping names a category the plan does not have. */
  title?: string | undefined;
  target: string;
}

export interface MappingView {
  rows: MappingRow[];
  /** File-plan categories the mapping does not name, and where their records go. */
  others: number;
  unmapped: string;
}

/** A target in words: a path as it is, an id named as such, anything else as its `key: value` pairs. */
function targetText(target: unknown, t: Translate): string {
  if (typeof target === 'string') return target;
  if (target === null || typeof target !== 'object') return String(target);
  const entries = Object.entries(target as Record<string, unknown>);
  if (entries.length === 1 && entries[0]![0] === 'path') return String(entries[0]![1]);
  if (entries.length === 1 && entries[0]![0] === 'folderId') return t('mappingFolderId', String(entries[0]![1]));
  return entries
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(', ');
}

/**
 * Where each file-plan category's records go in the repository the connection names, from that connector's
 * section of the presets (utils/connectors/mappings.ts); undefined for a connector that maps nothing (Records API).
 */
export function mappingView(
  presets: MappingSlice,
  connector: string | undefined,
  t: Translate,
): MappingView | undefined {
  if (!connector || !(connector in connectorMappings)) return undefined;
  const section = presets.connectors[connector] as
    | { categories?: Record<string, unknown>; unmapped?: unknown }
    | undefined;
  const categories = section?.categories ?? {};
  const titles = new Map(presets.categories.map((category) => [category.id, category.title]));
  const rows = Object.entries(categories).map(([categoryId, target]) => ({
    categoryId,
    title: titles.get(categoryId),
    target: targetText(target, t),
  }));
  const unmapped = section?.unmapped;
  return {
    rows,
    // The plan's categories less those the mapping names (ids are unique in a plan and in a mapping).
    others: presets.planSize - rows.filter((row) => row.title !== undefined).length,
    unmapped:
      unmapped === 'unfiled'
        ? t('mappingUnfiled')
        : unmapped === undefined || unmapped === 'refuse'
          ? t('mappingRefused')
          : targetText(unmapped, t),
  };
}

interface Props {
  presets: MappingSlice;
  /** The connector in force (settings). */
  connector: string | undefined;
}

/** The category → folder mapping of the repository in force, read-only: the records administrator sets it. */
export function ConnectorMapping({ presets, connector }: Props) {
  const t = useT();
  const view = mappingView(presets, connector, t);
  if (!view) return null;
  return (
    <div class="connector-mapping">
      <h3 id="mapping-heading">{t('mappingHeading')}</h3>
      {view.rows.length > 0 ? (
        <table class="grid" aria-labelledby="mapping-heading">
          <ColumnHeads keys={['mappingCategory', 'mappingTarget']} />
          <tbody>
            {view.rows.map((row) => (
              <tr key={row.categoryId}>
                <th scope="row">
                  <code>{row.categoryId}</code>
                  {row.title ? ` ${row.title}` : ` (${t('mappingNotInPlan')})`}
                </th>
                <td>{row.target}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="hint">{t('mappingNone')}</p>
      )}
      <p class="hint">
        {view.rows.length > 0 ? t('mappingOthers', [view.others, view.unmapped]) : t('mappingAll', view.unmapped)}
      </p>
    </div>
  );
}
