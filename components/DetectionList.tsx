import type { Detection } from '../utils/detectors/types';
import { useT } from './i18n';

export interface ListItem {
  key: string;
  detection: Detection;
}

interface Props {
  items: ListItem[];
  checked: ReadonlySet<string>;
  active: string | undefined;
  onCheck(keys: string[], checked: boolean): void;
  onActivate(key: string): void;
}

function summary(detection: Detection): string {
  const { originator, dateSent, dateCreated } = detection.metadata;
  const date = dateSent ?? dateCreated;
  return [originator, date && new Date(date).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })]
    .filter(Boolean)
    .join(' · ');
}

function Text({ detection }: { detection: Detection }) {
  const extra = summary(detection);
  return (
    <span>
      <span class="detection-title">{detection.title}</span>
      <span class="detection-meta">
        {detection.source.app} · {detection.source.kind}
        {extra && ` · ${extra}`}
      </span>
      {/* Why nothing but metadata will be kept (a Google Form, a Vids video…): the detector's own words. */}
      {detection.capture.reason && <span class="detection-note">{detection.capture.reason}</span>}
    </span>
  );
}

/**
 * The declarable items. One item is simply shown; several get a checkbox each and "select all", and the
 * metadata form shows the item last ticked or chosen with its Edit button.
 */
export function DetectionList({ items, checked, active, onCheck, onActivate }: Props) {
  const t = useT();
  if (items.length === 1) {
    return (
      <section class="detections" aria-label={t('detectedHeading')}>
        <div class="detection">
          <Text detection={items[0]!.detection} />
        </div>
      </section>
    );
  }
  const all = items.every((item) => checked.has(item.key));
  const some = !all && items.some((item) => checked.has(item.key));
  return (
    <fieldset class="detections">
      <legend>{t('detectedCount', items.length)}</legend>
      <label class="inline select-all">
        <input
          type="checkbox"
          name="selectAll"
          checked={all}
          ref={(el) => {
            if (el) el.indeterminate = some;
          }}
          onChange={(e) =>
            onCheck(
              items.map((item) => item.key),
              e.currentTarget.checked,
            )
          }
        />
        {t('selectAll')}
      </label>
      {items.map((item, index) => (
        <div class={`detection${item.key === active ? ' detection-active' : ''}`} key={item.key}>
          <label class="inline">
            <input
              type="checkbox"
              name="item"
              value={String(index)}
              checked={checked.has(item.key)}
              onChange={(e) => onCheck([item.key], e.currentTarget.checked)}
            />
            <Text detection={item.detection} />
          </label>
          <button
            type="button"
            class="edit"
            aria-pressed={item.key === active}
            aria-label={t('editItem', item.detection.title)}
            onClick={() => onActivate(item.key)}
          >
            {t('edit')}
          </button>
        </div>
      ))}
    </fieldset>
  );
}
