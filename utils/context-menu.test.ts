import { describe, expect, it } from 'vitest';
import { CONTEXT_TTL_MS, withContext } from './context-menu';
import { aDetection } from './detectors/fixtures/support';

const page = aDetection();

describe('withContext', () => {
  it('puts a right-clicked link first, as its own item', () => {
    const result = withContext(
      [page],
      { kind: 'link', at: 0, linkUrl: 'https://example.org/b#x', linkText: ' Policy  B ' },
      1,
    );
    expect(result[0]).toMatchObject({
      source: { url: 'https://example.org/b#x', sourceId: 'https://example.org/b' },
      title: 'Policy B',
    });
    expect(result[1]).toBe(page);
  });
  it('keeps a selection as the description of the page item', () => {
    expect(
      withContext([page], { kind: 'selection', at: 0, selectionText: 'the part that matters' }, 1)[0]?.metadata,
    ).toEqual({
      description: 'the part that matters',
    });
  });
  it('ignores a stale click and links that are not web pages', () => {
    expect(withContext([page], { kind: 'link', at: 0, linkUrl: 'https://example.org/b' }, CONTEXT_TTL_MS + 1)).toEqual([
      page,
    ]);
    expect(withContext([page], { kind: 'link', at: 0, linkUrl: 'javascript:alert(1)' }, 1)).toEqual([page]);
  });
});
