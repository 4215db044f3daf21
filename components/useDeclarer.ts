import { useEffect, useMemo, useReducer, useRef } from 'preact/hooks';
import type { Detection } from '../utils/detectors/types';
import type { DeclareResult } from '../utils/messaging';
import type { FormPresets } from '../utils/presets/slices';
import type { Api } from '../utils/ui/api';
import { MAX_FILE_BYTES, readAsBase64 } from '../utils/ui/files';
import type { Translate } from '../utils/ui/i18n';
import type { Choices } from '../utils/ui/views';
import { type DeclareValues, initialValues, problemsOf } from './DeclareForm';
import { declarerReducer, followed, type Item, initialState, progressOf } from './declarer-state';
import { acceptTags } from './TagInput';

interface Options {
  api: Api;
  tabId?: number | undefined;
  /** What the page shows; dropped files are added to them. */
  items: Item[];
  presets: FormPresets;
  choices?: Choices | undefined;
  t: Translate;
  /** The pause between two looks at records declared and not yet final. */
  followEveryMs?: number | undefined;
}

/** The values as they are sent: title trimmed, the tag still being typed added when the vocabulary allows it. */
export function finalValues(values: DeclareValues, presets: Pick<FormPresets, 'profiles' | 'vocabularies'>) {
  const profile = presets.profiles.find((p) => p.id === values.profileId);
  const vocabulary = (profile?.tagVocabulary && presets.vocabularies[profile.tagVocabulary]) || [];
  const { tags } = acceptTags(values.tags, values.pendingTag, vocabulary, profile?.freeTags !== false);
  return { ...values, title: values.title.trim(), tags, pendingTag: '' };
}

/**
 * Declaring one, some or all items: the duplicate check per item, one declaration after another for a batch
 * (one drain at the end), each declared record followed until it is synced or needs attention, and dropped
 * files inspected and suggested for. The Declarer component only renders what this returns.
 */
export function useDeclarer({ api, tabId, items: pageItems, presets, choices, t, followEveryMs = 400 }: Options) {
  const [state, dispatch] = useReducer(declarerReducer, pageItems[0]?.key, initialState);
  const items = useMemo(() => [...pageItems, ...state.files], [pageItems, state.files]);

  const valuesOf = (item: Item): DeclareValues =>
    state.edited[item.key] ?? initialValues(item.detection, presets, item.suggestion ?? undefined, choices);
  const problemsFor = (item: Item) => problemsOf(valuesOf(item), presets, state.prior[item.detection.source.sourceId]);

  // The duplicate check follows the items and never holds up the form.
  const asked = useRef(new Set<string>());
  useEffect(() => {
    const sourceIds = items.map((i) => i.detection.source.sourceId).filter((id) => !asked.current.has(id));
    if (!sourceIds.length) return;
    for (const id of sourceIds) asked.current.add(id);
    api.call('records.prior', { sourceIds }).then(
      (found) => dispatch({ type: 'prior', found }),
      () => undefined,
    );
  }, [api, items]);

  // Follow each declared record until it reaches a final state; the first look is at once.
  const follow = followed(state);
  const followKey = follow.map(({ key }) => key).join('|');
  useEffect(() => {
    if (!followKey) return;
    let stopped = false;
    const timer = setTimeout(
      async () => {
        const views = await Promise.all(
          follow.map(async ({ key, id }) => ({
            key,
            id,
            view: await api.call('record.get', { id }).catch(() => undefined),
          })),
        );
        if (!stopped) dispatch({ type: 'looked', views });
      },
      state.looks === 0 ? 0 : followEveryMs,
    );
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [followKey, state.looks]);

  const declareOne = async (item: Item, metadataOnly: boolean): Promise<DeclareResult> => {
    const values = finalValues(valuesOf(item), presets);
    const common = {
      title: values.title,
      profileId: values.profileId || undefined,
      categoryId: values.categoryId || undefined,
      tags: values.tags,
      fields: Object.fromEntries(Object.entries(values.fields).filter(([, v]) => v.trim() !== '')),
    };
    try {
      if (item.file) return await api.call('file.declare', { ...item.file, ...common });
      return await api.call('record.declare', { tabId, detection: item.detection, ...common, metadataOnly });
    } catch (error) {
      return { ok: false, error: (error as Error).message, canDeclareMetadataOnly: false };
    }
  };

  const run = async (targets: Item[], metadataOnly: boolean) => {
    dispatch({ type: 'batch', keys: targets.map((item) => item.key) });
    for (const item of targets) {
      dispatch({ type: 'declaring', key: item.key });
      dispatch({ type: 'result', key: item.key, result: await declareOne(item, metadataOnly) });
    }
    dispatch({ type: 'batchDone' });
    // One drain for the batch, so that records declared while an earlier one was sending go out now too.
    if (targets.length > 1) api.call('outbox.drain', {}).catch(() => undefined);
  };

  const selected = items.filter(
    (item) => state.checked.has(item.key) && state.outcomes[item.key]?.status !== 'declared',
  );

  /** Declares the ticked items, or stops at the first one that is not ready and says so. */
  const submit = () => {
    if (state.busy || !selected.length) return;
    const invalid = selected.find((item) => problemsFor(item));
    if (invalid) dispatch({ type: 'invalid', key: invalid.key });
    else run(selected, false);
  };

  const addFiles = async (list: File[]) => {
    const errors: string[] = [];
    const added: Item[] = [];
    for (const file of list) {
      if (file.size > MAX_FILE_BYTES) {
        errors.push(t('fileTooLarge', file.name));
        continue;
      }
      try {
        const base64 = await readAsBase64(file);
        const detection: Detection = await api.call('file.inspect', { name: file.name, base64 });
        added.push({
          key: `file:${state.files.length + added.length}:${file.name}`,
          detection,
          file: { name: file.name, base64 },
        });
      } catch (error) {
        errors.push(t('fileUnreadable', [file.name, (error as Error).message]));
      }
    }
    // A suggestion refines the form; without one the first profile is offered, as with no rules.
    const suggested = added.length
      ? await api.call('presets.suggest', { detections: added.map((item) => item.detection) }).catch(() => undefined)
      : undefined;
    dispatch({
      type: 'files',
      added: added.map((item, n) => ({ ...item, suggestion: suggested?.suggestions[n] ?? null })),
      errors,
      categories: suggested?.categories ?? [],
    });
  };

  return {
    state,
    items,
    selected,
    progress: progressOf(state, items),
    valuesOf,
    problemsFor,
    submit,
    addFiles,
    declareWithoutContent: (item: Item) => run([item], true),
    check: (keys: string[], on: boolean) => dispatch({ type: 'check', keys, on }),
    activate: (key: string) => dispatch({ type: 'activate', key }),
    edit: (key: string, values: DeclareValues) => dispatch({ type: 'edit', key, values }),
  };
}
