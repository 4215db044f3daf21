import type { OutboxView } from '../utils/outbox/view';

/** Every declaration this browser made, newest first, with its sync state. */
export function OutboxTable({ rows }: { rows: OutboxView[] }) {
  if (rows.length === 0) return <p class="empty">Nothing declared yet.</p>;
  return (
    <table class="outbox">
      <thead>
        <tr>
          <th scope="col">Declared</th>
          <th scope="col">Title</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-state={row.state}>
            <td>{new Date(row.declaredAt).toLocaleString()}</td>
            <td>
              {row.receipt ? (
                <a href={row.receipt.url} target="_blank" rel="noreferrer">
                  {row.title}
                </a>
              ) : (
                row.title
              )}
            </td>
            <td>
              {row.state}
              {row.lastError && row.state !== 'synced' && <div class="status-error">{row.lastError}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
