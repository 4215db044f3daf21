import { Problem } from './problem.ts';
import { type Cursor, decodeCursor, type RecordQuery } from './records.ts';

const bad = (kind: string, title: string, detail: string) => new Problem(400, kind, title, detail);
const DATE = /^\d{4}-\d\d-\d\d$/;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const DAY_MS = 86_400_000;

/**
 * The filters of GET /records (and of the web page's search form) from query parameters. `from`/`to` take a date
 * (a whole UTC day, inclusive) or a date-time with offset. Throws a 400 Problem naming the bad parameter.
 */
export function parseListQuery(param: (name: string) => string | undefined): Omit<RecordQuery, 'owner'> {
  const text = (name: string, max: number) => {
    const value = param(name)?.trim();
    if (!value) return undefined;
    if (value.length > max) throw bad('bad-filter', `${name} too long`, `${name} must be at most ${max} characters.`);
    return value;
  };
  const limitText = param('limit') ?? '50';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) {
    throw bad('bad-limit', 'Bad limit', `limit must be a whole number from 1 to 100, not "${limitText.slice(0, 20)}".`);
  }
  const cursorText = param('cursor');
  let after: Cursor | undefined;
  if (cursorText !== undefined && cursorText !== '') {
    after = decodeCursor(cursorText);
    if (!after) {
      throw bad(
        'bad-cursor',
        'Bad cursor',
        'The cursor is not one this server made; pass nextCursor from the previous page as is.',
      );
    }
  }
  return {
    sourceId: param('sourceId'),
    category: text('category', 256),
    tag: text('tag', 128),
    declaredBy: text('declaredBy', 1024),
    q: text('q', 200),
    from: instant(param('from'), 'from', 0),
    to: instant(param('to'), 'to', DAY_MS - 1),
    after,
    limit,
  };
}

/** A date means the whole UTC day: `from` its first millisecond, `to` its last (`dayOffset`). */
function instant(value: string | undefined, name: string, dayOffset: number): Date | undefined {
  if (!value) return undefined;
  const date = DATE.test(value) ? new Date(Date.parse(`${value}T00:00:00Z`) + dayOffset) : new Date(value);
  if ((!DATE.test(value) && !DATE_TIME.test(value)) || Number.isNaN(date.getTime())) {
    throw bad(
      'bad-date',
      `Bad ${name}`,
      `${name} must be a date such as 2026-11-23 or a date-time with offset such as 2026-11-23T10:00:00Z, not "${value.slice(0, 40)}".`,
    );
  }
  return date;
}
