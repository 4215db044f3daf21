import pg from 'pg';

/** What one statement returns; every engine hands back plain rows with the same JavaScript types. */
export interface Queryable {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<{ rows: T[] }>;
}

export interface QueryOptions {
  /**
   * PostgreSQL prepares a named statement once per connection and then runs it without parsing or planning it again
   * (a quarter of the backends' CPU per record on POST /records: bench/server-ingest.ts). Only for a fixed text run
   * again and again: one name, one text. PGlite's worker does the same (server/pglite-worker.ts,
   * preparedStatements).
   */
  name?: string;
}

/**
 * The whole database surface the server uses, so PGlite and PostgreSQL run the same SQL through the same code:
 * parameterised statements, transactions, and multi-statement scripts for migrations.
 */
export interface Db extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
export type Tx = Queryable;

// PGlite returns int8 and numeric as numbers; pg would return strings. Our int8 values (sizes, event ids) are far
// below 2^53, so the PostgreSQL adapter parses them the same way and callers never see the difference.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Connection settings whose sessions run with synchronous_commit on: the startup `options` carry it last, so it
 * overrides the URL's and the server's configuration (PostgreSQL applies the last `-c` of a name).
 */
function durableCommits(url: string): pg.PoolConfig {
  const durable = '-c synchronous_commit=on';
  if (!URL.canParse(url)) return { connectionString: url, options: durable };
  const parsed = new URL(url);
  parsed.searchParams.set('options', `${parsed.searchParams.get('options') ?? ''} ${durable}`.trim());
  return { connectionString: parsed.toString() };
}

/**
 * A PostgreSQL server through a small pool; `url` may carry `?options=-c search_path=…` to pick a schema. A 201 must
 * mean the row survives a crash, so every session runs with synchronous_commit on (PostgreSQL's default) even when
 * the URL or the server's configuration turned it off, and a server running with fsync off is reported at start.
 */
export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ ...durableCommits(url), max: 10, types });
  // Fail at start, with the server's message, rather than on the first request.
  const { rows } = await pool.query<{ fsync: string }>('SHOW fsync');
  if (rows[0]?.fsync !== 'on') {
    console.warn(
      'PostgreSQL runs with fsync off: records the repository acknowledges can be lost on a crash. Turn fsync on.',
    );
  }
  const query: Queryable['query'] = async (sql, params, options) => {
    const result = await pool.query({ text: sql, values: params as unknown[], name: options?.name });
    return { rows: result.rows };
  };
  return {
    engine: 'postgres',
    query,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async (sql, params) => ({ rows: (await client.query(sql, params as unknown[])).rows }),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}
