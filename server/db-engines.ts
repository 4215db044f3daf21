import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Db, Queryable } from './db.ts';

/** The embedded engine: PostgreSQL compiled to WebAssembly, one connection, files under `dir`. */
export async function openPglite(dir: string): Promise<Db> {
  const db = await PGlite.create(dir);
  return {
    engine: 'pglite',
    query: (sql, params) => db.query(sql, params as unknown[]),
    transaction: (work) => db.transaction((tx) => work({ query: (sql, params) => tx.query(sql, params as unknown[]) })),
    exec: async (sql) => {
      await db.exec(sql);
    },
    close: () => db.close(),
  };
}

// PGlite returns int8 and numeric as numbers; pg would return strings. Our int8 values (sizes, event ids) are far
// below 2^53, so the PostgreSQL adapter parses them the same way and callers never see the difference.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A PostgreSQL server through a small pool; `url` may carry `?options=-c search_path=…` to pick a schema. */
export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  // Fail at start, with the server's message, rather than on the first request.
  await pool.query('SELECT 1');
  const query: Queryable['query'] = async (sql, params) => {
    const result = await pool.query(sql, params as unknown[]);
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
