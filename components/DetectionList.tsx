import type { Detection } from '../utils/detectors/types';

interface Props {
  detections: Detection[];
  selected: number;
  onSelect(index: number): void;
}

function summary(detection: Detection): string {
  const { originator, dateSent, dateCreated } = detection.metadata;
  const date = dateSent ?? dateCreated;
  return [originator, date && new Date(date).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })]
    .filter(Boolean)
    .join(' · ');
}

/** The declarable items on the page; with one item it is simply shown. */
export function DetectionList({ detections, selected, onSelect }: Props) {
  return (
    <fieldset class="detections">
      <legend>Detected on this page</legend>
      {detections.map((detection, index) => {
        const text = (
          <span>
            <span class="detection-title">{detection.title}</span>
            <span class="detection-meta">
              {detection.source.app} · {detection.source.kind}
              {summary(detection) && ` · ${summary(detection)}`}
            </span>
          </span>
        );
        // One item needs no choice; several get a radio each.
        return detections.length === 1 ? (
          <div class="detection" key={detection.source.sourceId}>
            {text}
          </div>
        ) : (
          <label class="detection" key={detection.source.sourceId}>
            <input type="radio" name="detection" checked={index === selected} onChange={() => onSelect(index)} />
            {text}
          </label>
        );
      })}
    </fieldset>
  );
}
