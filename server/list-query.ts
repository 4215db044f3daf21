import { isStorableText, parseIsoDateTime } from '../utils/records/record.ts';
import { Problem } from './problem.ts';
import { type Cursor, decodeCursor, type RecordQuery } from './records.ts';

const DATE = /^\d{4}-\d\d-\d\d$/;
const DAY_MS = 86_400_000;

/**
 * The filters of GET /records (and of the web page's search form) from query parameters. `from`/`to` take a date
 * (a whole UTC day, inclusive) or a date-time with offset. Throws a 400 Problem naming the bad parameter: a value
 * the database could not even compare (U+0000, a date that does not exist) is bad input, never a 500.
 */
export function parseListQuery(param: (name: string) => string | undefined): Omit<RecordQuery, 'owner'> {
  const text = (name: string, max: number, trim = true) => {
    const raw = param(name);
    const value = trim ? raw?.trim() : raw;
    if (!value) return undefined;
    if (value.length > max) throw new Problem('bad-filter', `${name} must be at most ${max} characters.`);
    if (!isStorableText(value)) {
      throw new Problem('bad-filter', `${name} contains U+0000 or a lone surrogate, which no record can contain.`);
    }
    return value;
  };
  const limitText = param('limit') ?? '50';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) {
    throw new Problem('bad-limit', `limit must be a whole number from 1 to 100, not "${limitText.slice(0, 20)}".`);
  }
  const cursorText = param('cursor');
  let after: Cursor | undefined;
  if (cursorText !== undefined && cursorText !== '') {
    after = decodeCursor(cursorText);
    if (!after) {
      throw new Problem(
        'bad-cursor',
        'The cursor is not one this server made; pass nextCursor from the previous page as is.',
      );
    }
  }
  return {
    sourceId: text('sourceId', 2048, false),
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
  const start = DATE.test(value) ? parseIsoDateTime(`${value}T00:00:00Z`) : parseIsoDateTime(value);
  if (!start) {
    throw new Problem(
      'bad-date',
      `${name} must be a date such as 2026-11-23 or a date-time with offset such as 2026-11-23T10:00:00Z, not "${value.slice(0, 40)}".`,
    );
  }
  return DATE.test(value) ? new Date(start.getTime() + dayOffset) : start;
}
