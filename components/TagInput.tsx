import { useRef, useState } from 'preact/hooks';
import { useT } from './i18n';

interface Props {
  id: string;
  tags: string[];
  /** Text typed but not yet made a tag; it counts when the form is declared. */
  pending: string;
  vocabulary: readonly string[];
  /** False when the profile allows only the vocabulary's tags. */
  freeTags: boolean;
  onChange(tags: string[], pending: string): void;
}

export function splitTags(text: string): string[] {
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/** The tags that may be added from `text`, and those refused because the profile allows only its vocabulary. */
export function acceptTags(
  current: string[],
  text: string,
  vocabulary: readonly string[],
  freeTags: boolean,
): { tags: string[]; refused: string[] } {
  const tags = [...current];
  const refused: string[] = [];
  for (const tag of splitTags(text)) {
    const known = vocabulary.find((word) => word.toLowerCase() === tag.toLowerCase());
    if (!freeTags && !known) refused.push(tag);
    else if (!tags.includes(known ?? tag)) tags.push(known ?? tag);
  }
  return { tags, refused };
}

/**
 * Tags as chips, typed with completion from the profile's vocabulary (a native datalist). A comma makes a chip;
 * Backspace in the empty input takes the last one back; each chip's remove button works from the keyboard.
 */
export function TagInput({ id, tags, pending, vocabulary, freeTags, onChange }: Props) {
  const t = useT();
  const [refused, setRefused] = useState<string[]>([]);
  const inputRef = useRef<HTMLInputElement>(null);
  const listId = `${id}-vocabulary`;
  const commit = (text: string, rest: string) => {
    const result = acceptTags(tags, text, vocabulary, freeTags);
    setRefused(result.refused);
    onChange(result.tags, rest);
  };
  const remove = (tag: string, index: number) => {
    onChange(
      tags.filter((x) => x !== tag),
      pending,
    );
    // Focus goes to the next chip, or back to the input, so the keyboard user stays in place.
    requestAnimationFrame(() => {
      const buttons = inputRef.current?.parentElement?.querySelectorAll<HTMLButtonElement>('.chip button');
      (buttons?.[Math.min(index, (buttons?.length ?? 1) - 1)] ?? inputRef.current)?.focus();
    });
  };
  return (
    <div class="tags">
      <label for={id}>{t('fieldTags')}</label>
      {tags.length > 0 && (
        <ul class="chips">
          {tags.map((tag, index) => (
            <li class="chip" key={tag}>
              <span>{tag}</span>
              <button
                type="button"
                aria-label={t('removeTag', tag)}
                onClick={() => remove(tag, index)}
                onKeyDown={(e) => {
                  if (e.key === 'Delete' || e.key === 'Backspace') {
                    e.preventDefault();
                    remove(tag, index);
                  }
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        ref={inputRef}
        id={id}
        name="tags"
        value={pending}
        list={vocabulary.length ? listId : undefined}
        autoComplete="off"
        aria-describedby={`${id}-hint`}
        placeholder={t('tagsPlaceholder')}
        onInput={(e) => {
          const value = e.currentTarget.value;
          const picked = (e as InputEvent).inputType === 'insertReplacementText';
          if (value.includes(',')) {
            const cut = value.lastIndexOf(',');
            commit(value.slice(0, cut), value.slice(cut + 1).trimStart());
          } else if (picked && vocabulary.includes(value)) {
            // Chosen from the completion list: a whole word, so it becomes a chip at once.
            commit(value, '');
          } else {
            setRefused([]);
            onChange(tags, value);
          }
        }}
        onKeyDown={(e) => {
          if (e.key === 'Backspace' && !pending && tags.length) {
            e.preventDefault();
            onChange(tags.slice(0, -1), '');
          }
        }}
      />
      {vocabulary.length > 0 && (
        <datalist id={listId}>
          {vocabulary.map((word) => (
            <option key={word} value={word} />
          ))}
        </datalist>
      )}
      <p class="hint" id={`${id}-hint`} role={refused.length ? 'alert' : undefined}>
        {refused.length ? t('tagsRefused', refused.join(', ')) : freeTags ? t('tagsHintFree') : t('tagsHintVocabulary')}
      </p>
    </div>
  );
}
