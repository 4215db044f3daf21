// @vitest-environment happy-dom
import { useState } from 'preact/hooks';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptTags, TagInput } from './TagInput';
import { key, mountIn, type, unmount } from './test-utils';

function Harness({ freeTags, out }: { freeTags: boolean; out: { tags: string[]; pending: string } }) {
  const [state, setState] = useState({ tags: ['leave'], pending: '' });
  Object.assign(out, state);
  return (
    <TagInput
      id="t"
      tags={state.tags}
      pending={state.pending}
      vocabulary={['grievance', 'appraisal', 'leave']}
      freeTags={freeTags}
      onChange={(tags, pending) => setState({ tags, pending })}
    />
  );
}

let root: HTMLElement | undefined;
afterEach(() => unmount(root));

describe('acceptTags', () => {
  it('adds new tags once, in the vocabulary’s spelling, and refuses free tags when the profile says so', () => {
    expect(acceptTags(['a'], 'b, A, Leave', ['leave'], true)).toEqual({ tags: ['a', 'b', 'A', 'leave'], refused: [] });
    expect(acceptTags([], 'leave, other', ['leave'], false)).toEqual({ tags: ['leave'], refused: ['other'] });
  });
});

describe('TagInput', () => {
  it('makes chips on a comma and takes the last back with Backspace', async () => {
    const out = { tags: [] as string[], pending: '' };
    root = await mountIn(<Harness freeTags={true} out={out} />);
    const input = root.querySelector<HTMLInputElement>('input')!;
    expect(input.getAttribute('list')).toBe('t-vocabulary');
    expect(root.querySelectorAll('datalist option')).toHaveLength(3);
    await type(input, 'grievance, urgent, app');
    expect(out).toEqual({ tags: ['leave', 'grievance', 'urgent'], pending: 'app' });
    await type(input, '');
    await key(input, 'Backspace');
    expect(out.tags).toEqual(['leave', 'grievance']);
  });

  it('removes a chip from the keyboard with its button', async () => {
    const out = { tags: [] as string[], pending: '' };
    root = await mountIn(<Harness freeTags={true} out={out} />);
    const remove = root.querySelector<HTMLButtonElement>('button[aria-label="Remove tag leave"]')!;
    await key(remove, 'Delete');
    expect(out.tags).toEqual([]);
    expect(root.querySelector('.chip')).toBeNull();
  });

  it('says which tags were refused when only the vocabulary is allowed', async () => {
    const out = { tags: [] as string[], pending: '' };
    root = await mountIn(<Harness freeTags={false} out={out} />);
    expect(root.textContent).toContain("Only tags from the profile's list are allowed.");
    await type(root.querySelector<HTMLInputElement>('input')!, 'urgent,');
    expect(out.tags).toEqual(['leave']);
    expect(root.querySelector('[role=alert]')?.textContent).toBe("Not in the profile's list, so not added: urgent");
    await act(() => undefined);
  });
});
