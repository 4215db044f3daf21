import type { PriorLookup } from '../utils/records/prior';

interface Props {
  lookup: PriorLookup | undefined;
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * "Already declared" before the user declares again. Declaring again then needs an explicit tick: the checkbox
 * is required, so Enter alone does not make a duplicate.
 */
export function PriorNotice({ lookup }: Props) {
  if (!lookup) return null;
  if (!lookup.ok) {
    return <p class="hint">Could not check whether this was declared before: {lookup.error}</p>;
  }
  const [latest] = lookup.records;
  if (!latest) return null;
  const more = lookup.records.length - 1;
  return (
    <div class="prior" role="status">
      <p>
        Already declared on {when(latest.receivedAt)}
        {latest.categoryId && ` in ${latest.categoryId}`}
        {more > 0 && ` (and ${more} more time${more > 1 ? 's' : ''})`} —{' '}
        <a href={latest.url} target="_blank" rel="noreferrer">
          open the record
        </a>
      </p>
      <label class="inline">
        <input type="checkbox" name="declareAgain" required /> Declare it again anyway
      </label>
    </div>
  );
}
