import { useT } from './i18n';

/** A table's heading row: one column heading per message key, in order. */
export function ColumnHeads({ keys, rowIndex }: { keys: readonly string[]; rowIndex?: number | undefined }) {
  const t = useT();
  return (
    <thead>
      <tr aria-rowindex={rowIndex}>
        {keys.map((key) => (
          <th scope="col" key={key}>
            {t(key)}
          </th>
        ))}
      </tr>
    </thead>
  );
}
