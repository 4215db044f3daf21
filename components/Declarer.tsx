import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Detection } from '../utils/detectors/types';
import type { CaptureNote, DeclareResult } from '../utils/messaging';
import type { OutboxView } from '../utils/outbox/view';
import type { Presets } from '../utils/presets/schema';
import { suggest } from '../utils/presets/suggest';
import type { PriorLookup } from '../utils/records/prior';
import type { Api } from '../utils/ui/api';
import { MAX_FILE_BYTES, readAsBase64 } from '../utils/ui/files';
import { indexPlan } from '../utils/ui/plan-tree';
import type { Choices } from '../utils/ui/views';
import { DeclareForm, type DeclareValues, initialValues, problemsOf } from './DeclareForm';
import { DetectionList, type ListItem } from './DetectionList';
import { DropZone, dropHandlers } from './DropZone';
import { useT } from './i18n';
import { RecordStatus } from './RecordStatus';
import { acceptTags } from './TagInput';

export interface Item extends ListItem {
  /** A local file, declared with `file.declare` instead of `record.declare`. */
  file?: { name: string; base64: string } | undefined;
}

type Outcome =
  | { status: 'waiting' | 'declaring' }
  | { status: 'declared'; id: string; view?: OutboxView | null; capture?: CaptureNote | undefined }
  | { status: 'failed'; error: string; canDeclareMetadataOnly: boolean };

interface Props {
  api: Api;
  tabId?: number | undefined;
  /** What the page shows; local files are added to them. */
  items: Item[];
  presets: Presets;
  choices?: Choices | undefined;
  /** What to say when there is nothing to declare (the drop zone is always offered). */
  empty?: preact.ComponentChildren;
  /** Put the keyboard focus in the form once it shows (the popup); the options page leaves focus alone. */
  autoFocus?: boolean | undefined;
}

const FINAL_STATES = new Set<OutboxView['state']>(['synced', 'needs-attention']);

function finalValues(values: DeclareValues, presets: Presets): DeclareValues {
  const profile = presets.profiles.find((p) => p.id === values.profileId);
  const vocabulary = (profile?.tagVocabulary && presets.vocabularies[profile.tagVocabulary]) || [];
  const { tags } = acceptTags(values.tags, values.pendingTag, vocabulary, profile?.freeTags !== false);
  return { ...values, title: values.title.trim(), tags, pendingTag: '' };
}

/**
 * Declaring one, some or all of the items: a checkbox per item when there are several, one metadata form per
 * item (shown for the active one), one declaration per item, progress and each result as it comes.
 */
export function Declarer({ api, tabId, items: pageItems, presets, choices, empty, autoFocus }: Props) {
  const t = useT();
  const [files, setFiles] = useState<Item[]>([]);
  const [fileErrors, setFileErrors] = useState<string[]>([]);
  const items = useMemo(() => [...pageItems, ...files], [pageItems, files]);
  const [edited, setEdited] = useState<Record<string, DeclareValues>>({});
  const [checked, setChecked] = useState<Set<string>>(() => new Set(pageItems[0] ? [pageItems[0].key] : []));
  const [active, setActive] = useState<string | undefined>(pageItems[0]?.key);
  const [attempted, setAttempted] = useState(false);
  const [pickerOpen, setPickerOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const [prior, setPrior] = useState<Record<string, PriorLookup>>({});
  const [focusInvalid, setFocusInvalid] = useState(0);
  const [tick, setTick] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const plan = useMemo(() => indexPlan(presets.filePlan), [presets]);
  const asked = useRef(new Set<string>());

  const suggestions = useMemo(
    () => new Map(items.map((item) => [item.key, suggest(presets, item.detection, choices)])),
    [items, presets, choices],
  );
  const valuesOf = (item: Item): DeclareValues =>
    edited[item.key] ?? initialValues(item.detection, presets, suggestions.get(item.key), choices);
  const problemsFor = (item: Item) => problemsOf(valuesOf(item), presets, prior[item.detection.source.sourceId]);

  // The duplicate check follows the items and never holds up the form.
  useEffect(() => {
    const sourceIds = items.map((i) => i.detection.source.sourceId).filter((id) => !asked.current.has(id));
    if (!sourceIds.length) return;
    for (const id of sourceIds) asked.current.add(id);
    api.call('records.prior', { sourceIds }).then(
      (found) => setPrior((before) => ({ ...before, ...found })),
      () => undefined,
    );
  }, [api, items]);

  // Follow each declared record until it reaches a final state.
  const following = Object.entries(outcomes).filter(
    ([, o]) =>
      o.status === 'declared' && (o.view === undefined || (o.view !== null && !FINAL_STATES.has(o.view.state))),
  );
  const followKey = following.map(([key]) => key).join('|');
  useEffect(() => {
    if (!followKey) return;
    let stopped = false;
    const timer = setTimeout(
      async () => {
        const updates = await Promise.all(
          following.map(async ([key, o]) => {
            const id = (o as { id: string }).id;
            return [key, id, await api.call('record.get', { id }).catch(() => undefined)] as const;
          }),
        );
        if (stopped) return;
        setOutcomes((before) => {
          const next = { ...before };
          for (const [key, id, view] of updates) {
            const was = before[key];
            const capture = was?.status === 'declared' ? was.capture : undefined;
            if (view !== undefined) next[key] = { status: 'declared', id, view, capture };
          }
          return next;
        });
        setTick((n) => n + 1);
      },
      // The first look is at once, so a quick receipt shows without a wait.
      tick === 0 ? 0 : 400,
    );
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [followKey, tick]);

  // Focus where typing helps: the first required field still empty, else the title.
  const focused = useRef(false);
  const activeItem = items.find((item) => item.key === active);
  useEffect(() => {
    if (!autoFocus || focused.current || !activeItem || !formRef.current) return;
    focused.current = true;
    const firstMissing = Object.keys(problemsFor(activeItem)?.fields ?? {})[0];
    const target = firstMissing
      ? formRef.current.querySelector<HTMLElement>(`[name="field.${firstMissing}"]`)
      : formRef.current.querySelector<HTMLElement>('[name=title]');
    target?.focus();
  });
  useEffect(() => {
    if (focusInvalid) formRef.current?.querySelector<HTMLElement>('[aria-invalid=true]')?.focus();
  }, [focusInvalid]);

  const check = (keys: string[], on: boolean) => {
    setChecked((before) => {
      const next = new Set(before);
      for (const key of keys) on ? next.add(key) : next.delete(key);
      return next;
    });
    if (on && keys.length === 1) setActive(keys[0]);
  };

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
    setBusy(true);
    setOutcomes((before) => ({
      ...before,
      ...Object.fromEntries(targets.map((item) => [item.key, { status: 'waiting' } as Outcome])),
    }));
    for (const item of targets) {
      setOutcomes((before) => ({ ...before, [item.key]: { status: 'declaring' } }));
      const result = await declareOne(item, metadataOnly);
      setOutcomes((before) => ({
        ...before,
        [item.key]: result.ok
          ? { status: 'declared', id: result.id, capture: result.capture }
          : { status: 'failed', error: result.error, canDeclareMetadataOnly: result.canDeclareMetadataOnly },
      }));
      if (result.ok) check([item.key], false);
    }
    setBusy(false);
    // One drain for the batch, so that records declared while an earlier one was sending go out now too.
    if (targets.length > 1) api.call('outbox.drain', {}).catch(() => undefined);
  };

  const selected = items.filter((item) => checked.has(item.key) && outcomes[item.key]?.status !== 'declared');
  const submit = (event?: Event) => {
    event?.preventDefault();
    if (busy || !selected.length) return;
    const invalid = selected.find((item) => problemsFor(item));
    if (invalid) {
      setAttempted(true);
      setActive(invalid.key);
      setFocusInvalid((n) => n + 1);
      return;
    }
    run(selected, false);
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
          key: `file:${files.length + added.length}:${file.name}`,
          detection,
          file: { name: file.name, base64 },
        });
      } catch (error) {
        errors.push(t('fileUnreadable', [file.name, (error as Error).message]));
      }
    }
    setFileErrors(errors);
    if (!added.length) return;
    setFiles((before) => [...before, ...added]);
    // Dropping files says what to declare now: the files, not what was ticked on the page before.
    setChecked(new Set(added.map((item) => item.key)));
    setActive(added[0]!.key);
  };

  const done = items.filter((item) => outcomes[item.key]);
  const declaredCount = done.filter((item) => outcomes[item.key]!.status === 'declared').length;
  const remaining = items.filter((item) => outcomes[item.key]?.status !== 'declared');
  const progress = busy
    ? t('declaringProgress', [
        done.filter((i) => ['declared', 'failed'].includes(outcomes[i.key]!.status)).length + 1,
        done.length,
      ])
    : '';
  const activeShown = activeItem && outcomes[activeItem.key]?.status !== 'declared' ? activeItem : remaining[0];
  const activeProblems = attempted && activeShown ? problemsFor(activeShown) : undefined;

  return (
    <div class="declarer" {...dropHandlers(addFiles)}>
      {(done.length > 0 || busy) && (
        <section class="results" aria-label={t('resultsHeading')}>
          <p class="progress" role="status">
            {progress || (declaredCount > 0 ? t('declaredCount', [declaredCount, done.length]) : '')}
          </p>
          <ul>
            {done.map((item) => {
              const outcome = outcomes[item.key]!;
              return (
                <li key={item.key} class={`result result-${outcome.status}`}>
                  {outcome.status === 'declared' ? (
                    <>
                      {outcome.view ? <RecordStatus view={outcome.view} /> : <p class="status">{t('declared')}</p>}
                      {outcome.capture && (
                        <p class="hint capture-note">
                          {outcome.capture.original
                            ? outcome.capture.pageError
                              ? t('capturedOriginalAfter', outcome.capture.pageError)
                              : `${t('capturedOriginal')}${outcome.capture.warning ? ` ${outcome.capture.warning}` : ''}`
                            : t('capturedSnapshot', outcome.capture.reason)}
                        </p>
                      )}
                    </>
                  ) : outcome.status === 'failed' ? (
                    <div class="error" role="alert">
                      <p class="status-title">{item.detection.title}</p>
                      <p>{outcome.error}</p>
                      {outcome.canDeclareMetadataOnly && (
                        <button type="button" disabled={busy} onClick={() => run([item], true)}>
                          {t('declareWithoutContent')}
                        </button>
                      )}
                    </div>
                  ) : (
                    <p class="status">
                      {item.detection.title} — {t(outcome.status === 'declaring' ? 'declaring' : 'waiting')}
                    </p>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {remaining.length > 0 && activeShown ? (
        <form
          ref={formRef}
          class="declare"
          noValidate
          aria-label={t('declareFormLabel')}
          onSubmit={submit}
          onKeyDown={(e) => {
            const target = e.target as HTMLElement;
            if (e.key !== 'Enter' || e.defaultPrevented || pickerOpen) return;
            // Text fields submit on Enter by themselves; ticks and lists do too here, so Enter works anywhere.
            if (
              target instanceof HTMLSelectElement ||
              (target instanceof HTMLInputElement && target.type === 'checkbox')
            ) {
              e.preventDefault();
              formRef.current?.requestSubmit();
            }
          }}
        >
          {remaining.length > 0 && (
            <DetectionList
              items={remaining}
              checked={checked}
              active={activeShown.key}
              onCheck={check}
              onActivate={setActive}
            />
          )}
          {remaining.length > 1 && <p class="editing">{t('editingItem', activeShown.detection.title)}</p>}
          <DeclareForm
            key={activeShown.key}
            id={`item${items.indexOf(activeShown)}`}
            presets={presets}
            plan={plan}
            choices={choices}
            suggestion={suggestions.get(activeShown.key)}
            prior={prior[activeShown.detection.source.sourceId]}
            values={valuesOf(activeShown)}
            problems={activeProblems}
            onChange={(values) => setEdited((before) => ({ ...before, [activeShown.key]: values }))}
            onPickerOpen={setPickerOpen}
          />
          {attempted && selected.some((item) => item !== activeShown && problemsFor(item)) && (
            <p class="field-error">{t('otherItemsIncomplete')}</p>
          )}
          <button type="submit" class="primary" disabled={busy || selected.length === 0}>
            {busy ? t('declaring') : selected.length > 1 ? t('declareCount', selected.length) : t('declare')}
          </button>
        </form>
      ) : (
        done.length === 0 && empty
      )}
      {fileErrors.length > 0 && (
        <div class="error" role="alert">
          {fileErrors.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}
      <DropZone id="drop-file" onFiles={addFiles} />
    </div>
  );
}
