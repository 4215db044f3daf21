import { useMemo, useState } from 'preact/hooks';
import type { OutboxView } from '../utils/outbox/view';
import type { AuditLine } from '../utils/ui/views';
import { useT } from './i18n';
import { OUTBOX_STATE_KEYS } from './OutboxTable';

interface Props {
  rows: OutboxView[];
  audit: AuditLine[];
}

/** Past this many matches the list says how many more there are instead of drawing them. */
export const HISTORY_LIMIT = 200;

export interface HistoryEntry {
  row: OutboxView;
  events: AuditLine[];
  text: string;
}

/** The declarations with their audit lines, searchable by any text they hold (title, ids, state, details). */
export function historyEntries(rows: OutboxView[], audit: AuditLine[]): HistoryEntry[] {
  const byRecord = new Map<string, AuditLine[]>();
  for (const line of audit) byRecord.set(line.recordId, [...(byRecord.get(line.recordId) ?? []), line]);
  return rows.map((row) => {
    const events = (byRecord.get(row.id) ?? []).sort((a, b) => a.at - b.at);
    const text = [
      row.title,
      row.sourceId,
      row.id,
      row.state,
      row.lastError,
      ...events.map((e) => `${e.action} ${e.detail ?? ''}`),
    ]
      .join('\n')
      .toLowerCase();
    return { row, events, text };
  });
}

export function History({ rows, audit }: Props) {
  const t = useT();
  const [query, setQuery] = useState('');
  const entries = useMemo(() => historyEntries(rows, audit), [rows, audit]);
  const q = query.trim().toLowerCase();
  const found = q ? entries.filter((entry) => entry.text.includes(q)) : entries;
  return (
    <>
      <div class="search">
        <label for="history-search">{t('historySearch')}</label>
        <input id="history-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </div>
      <p class="hint" role="status">
        {found.length > HISTORY_LIMIT
          ? t('historyCountLimited', [HISTORY_LIMIT, found.length])
          : t('historyCount', found.length)}
      </p>
      <ol class="history">
        {found.slice(0, HISTORY_LIMIT).map(({ row, events }) => (
          <li key={row.id}>
            <span class="history-when">{new Date(row.declaredAt).toLocaleString()}</span>{' '}
            {row.receipt ? (
              <a href={row.receipt.url} target="_blank" rel="noreferrer">
                {row.title}
              </a>
            ) : (
              <span>{row.title}</span>
            )}
            <span class="hint"> · {t(OUTBOX_STATE_KEYS[row.state])}</span>
            {events.length > 0 && (
              <ul class="events">
                {events.map((event) => (
                  <li key={`${event.at}:${event.action}`}>
                    {new Date(event.at).toLocaleString()} · {t(`audit_${event.action}`)}
                    {event.detail && ` · ${event.detail}`}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}
