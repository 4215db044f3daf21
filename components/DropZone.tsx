import { useState } from 'preact/hooks';
import { useT } from './i18n';

interface Props {
  id: string;
  onFiles(files: File[]): void;
  /** Extra text above the chooser, e.g. the empty state. */
  children?: preact.ComponentChildren;
}

/**
 * Where local files come in: dropped anywhere on the zone, or chosen with the file input (the keyboard way).
 * The page may also forward drops made elsewhere on it (see `dropHandlers`).
 */
export function DropZone({ id, onFiles, children }: Props) {
  const t = useT();
  const [over, setOver] = useState(false);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is for the mouse; the file input inside is the keyboard way.
    <section
      class={`drop${over ? ' drop-over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        onFiles([...(e.dataTransfer?.files ?? [])]);
      }}
    >
      {children}
      <label for={id}>{t('dropHint')}</label>
      <input
        id={id}
        type="file"
        multiple
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = '';
          if (files.length) onFiles(files);
        }}
      />
    </section>
  );
}

/** Drag-and-drop handlers for a whole page, so a file dropped anywhere on it is taken. */
export function dropHandlers(onFiles: (files: File[]) => void) {
  return {
    onDragOver: (e: DragEvent) => e.preventDefault(),
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length) onFiles(files);
    },
  };
}
