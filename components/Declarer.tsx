import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CompactPlan, FormPresets } from '../utils/presets/slices';
import type { Api } from '../utils/ui/api';
import { indexCompactPlan, indexKnown, type PlanIndex } from '../utils/ui/plan-tree';
import type { Choices } from '../utils/ui/views';
import { DeclareForm } from './DeclareForm';
import { DetectionList } from './DetectionList';
import { DropZone, dropHandlers } from './DropZone';
import type { Item } from './declarer-state';
import { useT } from './i18n';
import { RecordStatus } from './RecordStatus';
import { useDeclarer } from './useDeclarer';

export type { Item } from './declarer-state';

interface Props {
  api: Api;
  tabId?: number | undefined;
  /** What the page shows, each with its suggestion; local files are added to them. */
  items: Item[];
  presets: FormPresets;
  choices?: Choices | undefined;
  /** The file plan for the category picker; asked of the background (`presets.plan`) when not given. */
  loadPlan?: (() => Promise<CompactPlan>) | undefined;
  /**
   * The plan is asked again when this changes; `presets` when absent. The popup gives its first answer, so that the
   * whole form replacing the first slice of it (the same document) does not ask for the plan again.
   */
  planKey?: unknown;
  /** What to say when there is nothing to declare (the drop zone is always offered). */
  empty?: preact.ComponentChildren;
  /** Put the keyboard focus in the form once it shows (the popup); the options page leaves focus alone. */
  autoFocus?: boolean | undefined;
}

/**
 * The category picker's plan: at first only the categories the form knows (each profile's default, the
 * suggested ones), then the whole plan once it has arrived, so the form never waits for a large plan.
 */
function usePlan(
  api: Api,
  presets: FormPresets,
  extra: FormPresets['categories'],
  loadPlan: Props['loadPlan'],
  planKey: unknown,
) {
  const [plan, setPlan] = useState<PlanIndex>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    setPlan(undefined);
    setError(undefined);
    (loadPlan ?? (() => api.call('presets.plan', {})))().then(
      (compact) => current && setPlan(indexCompactPlan(compact)),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [api, planKey ?? presets, loadPlan]);
  const known = useMemo(() => indexKnown([...presets.categories, ...extra]), [presets, extra]);
  return { index: plan ?? known, state: { loading: !plan && !error, error } };
}

/**
 * Declaring one, some or all of the items: a checkbox per item when there are several, one metadata form per
 * item (shown for the active one), one declaration per item, progress and each result as it comes. The batch
 * logic and the follow-up of declared records live in `useDeclarer`.
 */
export function Declarer({
  api,
  tabId,
  items: pageItems,
  presets,
  choices,
  loadPlan,
  planKey,
  empty,
  autoFocus,
}: Props) {
  const t = useT();
  const declarer = useDeclarer({ api, tabId, items: pageItems, presets, choices, t });
  const { state, items, selected, progress, valuesOf, problemsFor } = declarer;
  const { outcomes, prior, busy, attempted } = state;
  const [pickerOpen, setPickerOpen] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const plan = usePlan(api, presets, state.categories, loadPlan, planKey);

  // Focus where typing helps: the first required field still empty, else the title.
  const focused = useRef(false);
  const activeItem = items.find((item) => item.key === state.active);
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
    if (state.focusInvalid) formRef.current?.querySelector<HTMLElement>('[aria-invalid=true]')?.focus();
  }, [state.focusInvalid]);

  const submit = (event?: Event) => {
    event?.preventDefault();
    declarer.submit();
  };
  const addFiles = declarer.addFiles;
  const { done, remaining } = progress;
  const declaredCount = progress.declared;
  const progressText = progress.running ? t('declaringProgress', [...progress.running]) : '';
  const activeShown = activeItem && outcomes[activeItem.key]?.status !== 'declared' ? activeItem : remaining[0];
  const activeProblems = attempted && activeShown ? problemsFor(activeShown) : undefined;

  return (
    <div class="declarer" {...dropHandlers(addFiles)}>
      {(done.length > 0 || busy) && (
        <section class="results" aria-label={t('resultsHeading')}>
          <p class="progress" role="status">
            {progressText || (declaredCount > 0 ? t('declaredCount', [declaredCount, done.length]) : '')}
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
                        <button type="button" disabled={busy} onClick={() => declarer.declareWithoutContent(item)}>
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
              checked={state.checked}
              active={activeShown.key}
              onCheck={declarer.check}
              onActivate={declarer.activate}
            />
          )}
          {remaining.length > 1 && <p class="editing">{t('editingItem', activeShown.detection.title)}</p>}
          <DeclareForm
            key={activeShown.key}
            id={`item${items.indexOf(activeShown)}`}
            presets={presets}
            plan={plan.index}
            planState={plan.state}
            choices={choices}
            suggestion={activeShown.suggestion ?? undefined}
            prior={prior[activeShown.detection.source.sourceId]}
            values={valuesOf(activeShown)}
            problems={activeProblems}
            onChange={(values) => declarer.edit(activeShown.key, values)}
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
      {state.fileErrors.length > 0 && (
        <div class="error" role="alert">
          {state.fileErrors.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}
      <DropZone id="drop-file" onFiles={addFiles} />
    </div>
  );
}
