import { useState } from 'preact/hooks';
import type { Detection } from '../utils/detectors/types';
import { flattenFilePlan, type Presets } from '../utils/presets/schema';
import type { Suggestion } from '../utils/presets/suggest';
import type { PriorLookup } from '../utils/records/prior';
import { PriorNotice } from './PriorNotice';

export interface DeclareValues {
  title: string;
  profileId: string;
  categoryId: string;
  tags: string[];
}

interface Props {
  detection: Detection;
  presets: Presets;
  suggestion: Suggestion | undefined;
  prior: PriorLookup | undefined;
  busy: boolean;
  onDeclare(values: DeclareValues): void;
}

export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
    ),
  ];
}

/** The declare form: everything is filled in from the detection and the suggestion, so Enter is enough. */
export function DeclareForm({ detection, presets, suggestion, prior, busy, onDeclare }: Props) {
  const [title, setTitle] = useState(detection.title);
  const [profileId, setProfileId] = useState(suggestion?.profileId ?? presets.profiles[0]?.id ?? '');
  const [categoryId, setCategoryId] = useState(suggestion?.categoryId ?? '');
  const [tags, setTags] = useState('');
  const profile = presets.profiles.find((p) => p.id === profileId);
  const vocabulary = (profile?.tagVocabulary && presets.vocabularies[profile.tagVocabulary]) || [];
  const categories = flattenFilePlan(presets.filePlan);

  const pickProfile = (id: string) => {
    setProfileId(id);
    const next = presets.profiles.find((p) => p.id === id);
    if (next?.defaultCategory) setCategoryId(next.defaultCategory);
  };

  return (
    <form
      class="declare"
      onSubmit={(event) => {
        event.preventDefault();
        onDeclare({ title: title.trim(), profileId, categoryId, tags: parseTags(tags) });
      }}
    >
      <label>
        Title
        <input
          name="title"
          value={title}
          required
          maxLength={1024}
          onInput={(e) => setTitle(e.currentTarget.value)}
          // biome-ignore lint/a11y/noAutofocus: the popup exists to declare; Enter must work at once.
          autoFocus
        />
      </label>
      <label>
        Profile
        <select name="profile" value={profileId} onChange={(e) => pickProfile(e.currentTarget.value)}>
          {presets.profiles.map((p) => (
            <option key={p.id} value={p.id}>
              {p.title}
            </option>
          ))}
        </select>
      </label>
      {suggestion && <p class="hint">Suggested: {suggestion.reason}</p>}
      <label>
        Category
        <select name="category" value={categoryId} onChange={(e) => setCategoryId(e.currentTarget.value)}>
          <option value="">(none)</option>
          {categories.map(({ category, depth }) => (
            <option key={category.id} value={category.id}>
              {`${'\u00a0\u00a0'.repeat(depth)}${category.id} — ${category.title}`}
            </option>
          ))}
        </select>
      </label>
      <label>
        Tags
        <input
          name="tags"
          value={tags}
          list="tag-vocabulary"
          placeholder="comma, separated"
          onInput={(e) => setTags(e.currentTarget.value)}
        />
        <datalist id="tag-vocabulary">
          {vocabulary.map((tag) => (
            <option key={tag} value={tag} />
          ))}
        </datalist>
      </label>
      <PriorNotice lookup={prior} />
      <button type="submit" disabled={busy}>
        {busy ? 'Declaring…' : 'Declare'}
      </button>
    </form>
  );
}
