import { flattenFilePlan, type Presets } from '../presets/schema';
import { type CategoryInfo, categoriesById, type FormPresets, formPresets } from '../presets/slices';
import type { PresetsStatus } from './views';

/**
 * What the options page shows of the presets, cut by the background from the status: the status without the
 * document itself (660 KB for a 5,000-category plan, which would hold up every other answer while the worker
 * serialises it and the page parses it), its counts, the declare form's slice and what the connector mapping
 * names. The file plan follows on demand (`presets.plan`). Pure: no effects.
 */
export interface PresetsOverview extends Omit<PresetsStatus, 'presets'> {
  summary: { version: number; profiles: number; rules: number; vocabularies: number };
  form: FormPresets;
  mapping: MappingSlice;
}

/** The connectors' sections of the presets, the file-plan categories they name, and how many the plan has. */
export interface MappingSlice {
  connectors: Record<string, unknown>;
  categories: CategoryInfo[];
  planSize: number;
}

export function mappingSlice(presets: Presets): MappingSlice {
  const connectors = (presets.connectors ?? {}) as Record<string, unknown>;
  const named = Object.values(connectors).flatMap((section) =>
    Object.keys((section as { categories?: Record<string, unknown> } | undefined)?.categories ?? {}),
  );
  return {
    connectors,
    categories: categoriesById(presets.filePlan, named),
    planSize: flattenFilePlan(presets.filePlan).length,
  };
}

export function presetsOverview({ presets, ...status }: PresetsStatus): PresetsOverview {
  return {
    ...status,
    summary: {
      version: presets.version,
      profiles: presets.profiles.length,
      rules: presets.rules.length,
      vocabularies: Object.keys(presets.vocabularies ?? {}).length,
    },
    form: formPresets(presets),
    mapping: mappingSlice(presets),
  };
}
