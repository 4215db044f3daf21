import type { PriorLookup } from '../utils/records/prior';
import { safeHref } from '../utils/ui/links';
import { useT } from './i18n';

interface Props {
  id: string;
  lookup: PriorLookup | undefined;
  checked: boolean;
  invalid: boolean;
  onChange(checked: boolean): void;
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * "Already declared" before the user declares again. Declaring again then needs an explicit tick: the checkbox
 * is required, so Enter alone does not make a duplicate.
 */
export function PriorNotice({ id, lookup, checked, invalid, onChange }: Props) {
  const t = useT();
  if (!lookup) return null;
  if (!lookup.ok) return <p class="hint">{t('priorUnknown', lookup.error)}</p>;
  const [latest] = lookup.records;
  if (!latest) return null;
  const more = lookup.records.length - 1;
  const href = safeHref(latest.url);
  return (
    <div class="prior" role="status">
      <p>
        {latest.categoryId
          ? t('priorDeclaredIn', [when(latest.receivedAt), latest.categoryId])
          : t('priorDeclared', when(latest.receivedAt))}
        {more > 0 && ` ${more > 1 ? t('priorMoreTimes', more) : t('priorOneMore')}`} —{' '}
        {href ? (
          <a href={href} target="_blank" rel="noreferrer">
            {t('priorOpen')}
          </a>
        ) : (
          // Not a web link: shown as text, never followed.
          <span class="record-url">{latest.url}</span>
        )}
      </p>
      <label class="inline">
        <input
          type="checkbox"
          name="declareAgain"
          id={id}
          required
          checked={checked}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? `${id}-error` : undefined}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />{' '}
        {t('declareAgain')}
      </label>
      {invalid && (
        <p class="field-error" id={`${id}-error`}>
          {t('declareAgainNeeded')}
        </p>
      )}
    </div>
  );
}
