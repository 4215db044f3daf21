import type { ComponentChildren } from 'preact';
import type { Detection } from '../utils/detectors/types';
import { retainedFields } from '../utils/presets/retained';
import type { Field, Profile } from '../utils/presets/schema';
import type { FormPresets } from '../utils/presets/slices';
import type { Suggestion } from '../utils/presets/suggest';
import type { PriorLookup } from '../utils/records/prior';
import type { FieldProblem } from '../utils/ui/fields';
import { checkField } from '../utils/ui/fields';
import type { PlanIndex } from '../utils/ui/plan-tree';
import type { Choices } from '../utils/ui/views';
import { CategoryPicker } from './CategoryPicker';
import { useT } from './i18n';
import { PriorNotice } from './PriorNotice';
import { TagInput } from './TagInput';

/** What the user sets for one item before it is declared. */
export interface DeclareValues {
  title: string;
  profileId: string;
  categoryId: string;
  tags: string[];
  /** Tag text typed but not yet a chip; it is added when declaring. */
  pendingTag: string;
  fields: Record<string, string>;
  /** The explicit "declare it again anyway" when the item was declared before. */
  declareAgain: boolean;
}

export interface ItemProblems {
  title?: boolean | undefined;
  fields: Record<string, FieldProblem>;
  declareAgain?: boolean | undefined;
}

/** A field of the form: its label, then the control and any hints given as children. */
function LabelledField({ id, label, children }: { id: string; label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
    </div>
  );
}

export function initialValues(
  detection: Detection,
  presets: Pick<FormPresets, 'profiles'>,
  suggestion: Suggestion | undefined,
  choices: Choices | undefined,
): DeclareValues {
  const profileId = suggestion?.profileId ?? presets.profiles[0]?.id ?? '';
  return {
    title: detection.title,
    profileId,
    categoryId: suggestion?.categoryId ?? '',
    tags: [],
    pendingTag: '',
    fields: retainedFields(presets, profileId, choices),
    declareAgain: false,
  };
}

/** What stops this item from being declared; undefined when nothing does. */
export function problemsOf(
  values: DeclareValues,
  presets: Pick<FormPresets, 'profiles'>,
  prior: PriorLookup | undefined,
): ItemProblems | undefined {
  const profile = presets.profiles.find((p) => p.id === values.profileId);
  const fields: Record<string, FieldProblem> = {};
  for (const field of profile?.fields ?? []) {
    const problem = checkField(field, values.fields[field.id]);
    if (problem) fields[field.id] = problem;
  }
  const title = !values.title.trim();
  const declareAgain = Boolean(prior?.ok && prior.records.length > 0 && !values.declareAgain);
  return title || declareAgain || Object.keys(fields).length ? { title, fields, declareAgain } : undefined;
}

interface Props {
  /** Prefix of element ids, unique per item. */
  id: string;
  presets: FormPresets;
  plan: PlanIndex;
  /** The whole plan is on its way (`plan` holds the categories known so far), or could not be loaded. */
  planState?: { loading: boolean; error?: string | undefined } | undefined;
  choices: Choices | undefined;
  suggestion: Suggestion | undefined;
  prior: PriorLookup | undefined;
  values: DeclareValues;
  /** Shown only after the user tried to declare. */
  problems: ItemProblems | undefined;
  onChange(values: DeclareValues): void;
  onPickerOpen(open: boolean): void;
}

const CAPTURE_KEYS: Record<string, string> = {
  original: 'captureOriginal',
  eml: 'captureEml',
  attachments: 'captureAttachments',
  pdf: 'capturePdf',
  snapshot: 'captureSnapshot',
};

function FieldInput({
  id,
  field,
  value,
  problem,
  onInput,
}: {
  id: string;
  field: Field;
  value: string;
  problem: FieldProblem | undefined;
  onInput(value: string): void;
}) {
  const t = useT();
  const errorId = `${id}-error`;
  const describedBy = [problem && errorId, field.description && `${id}-desc`].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: `field.${field.id}`,
    required: field.required,
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': describedBy,
  };
  return (
    <div class="field">
      <label for={id}>
        {field.label}
        {field.required && <span class="required"> {t('requiredMark')}</span>}
      </label>
      {field.type === 'choice' ? (
        <select {...common} value={value} onChange={(e) => onInput(e.currentTarget.value)}>
          <option value="">{t('choose')}</option>
          {(field.options ?? []).map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={field.type === 'date' ? 'date' : 'text'}
          value={value}
          maxLength={4096}
          autoComplete="off"
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      )}
      {field.description && (
        <p class="hint" id={`${id}-desc`}>
          {field.description}
        </p>
      )}
      {problem && (
        <p class="field-error" id={errorId}>
          {problem.kind === 'required'
            ? t('fieldRequired', field.label)
            : problem.example
              ? t('fieldPatternExample', [field.label, problem.example])
              : t('fieldPattern', [field.label, problem.pattern])}
        </p>
      )}
    </div>
  );
}

/** One item's metadata: everything is filled in from the detection and the suggestion, so Enter is enough. */
export function DeclareForm({
  id,
  presets,
  plan,
  planState,
  choices,
  suggestion,
  prior,
  values,
  problems,
  onChange,
  onPickerOpen,
}: Props) {
  const t = useT();
  const profile: Profile | undefined = presets.profiles.find((p) => p.id === values.profileId);
  const vocabulary = (profile?.tagVocabulary && presets.vocabularies[profile.tagVocabulary]) || [];
  const set = (patch: Partial<DeclareValues>) => onChange({ ...values, ...patch });

  const pickProfile = (profileId: string) => {
    const next = presets.profiles.find((p) => p.id === profileId);
    set({
      profileId,
      categoryId: next?.defaultCategory ?? values.categoryId,
      fields: { ...retainedFields(presets, profileId, choices) },
    });
  };

  return (
    <div class="declare-fields">
      <LabelledField id={`${id}-title`} label={t('fieldTitle')}>
        <input
          id={`${id}-title`}
          name="title"
          value={values.title}
          required
          maxLength={1024}
          aria-invalid={problems?.title || undefined}
          aria-describedby={problems?.title ? `${id}-title-error` : undefined}
          onInput={(e) => set({ title: e.currentTarget.value })}
        />
        {problems?.title && (
          <p class="field-error" id={`${id}-title-error`}>
            {t('fieldRequired', t('fieldTitle'))}
          </p>
        )}
      </LabelledField>
      <LabelledField id={`${id}-profile`} label={t('fieldProfile')}>
        <select
          id={`${id}-profile`}
          name="profile"
          value={values.profileId}
          onChange={(e) => pickProfile(e.currentTarget.value)}
        >
          {presets.profiles.map((p) => (
            <option key={p.id} value={p.id}>
              {p.title}
            </option>
          ))}
        </select>
        {suggestion && (
          <p class="hint suggestion">{t('suggested', t(suggestion.because.key, suggestion.because.substitutions))}</p>
        )}
        {profile && (
          <p class="hint profile-info">
            {t('profileInfo', [
              profile.recordType,
              profile.capture.length
                ? profile.capture.map((kind) => t(CAPTURE_KEYS[kind] ?? kind)).join(', ')
                : t('captureMetadata'),
            ])}
          </p>
        )}
      </LabelledField>
      <CategoryPicker
        id={`${id}-category`}
        index={plan}
        value={values.categoryId}
        onChange={(categoryId) => set({ categoryId })}
        onOpenChange={onPickerOpen}
        loading={planState?.loading}
        error={planState?.error}
      />
      {(profile?.fields ?? []).map((field) => (
        <FieldInput
          key={field.id}
          id={`${id}-f-${field.id}`}
          field={field}
          value={values.fields[field.id] ?? ''}
          problem={problems?.fields[field.id]}
          onInput={(value) => set({ fields: { ...values.fields, [field.id]: value } })}
        />
      ))}
      <TagInput
        id={`${id}-tags`}
        tags={values.tags}
        pending={values.pendingTag}
        vocabulary={vocabulary}
        freeTags={profile?.freeTags !== false}
        onChange={(tags, pendingTag) => set({ tags, pendingTag })}
      />
      <PriorNotice
        id={`${id}-again`}
        lookup={prior}
        checked={values.declareAgain}
        invalid={Boolean(problems?.declareAgain)}
        onChange={(declareAgain) => set({ declareAgain })}
      />
    </div>
  );
}
