import type pg from 'pg';
import Cursor from 'pg-cursor';
import { SourceError } from '@synthfarm/core';
import { connectPg, describePgUrl, ident, pgReason, qualified } from './pg-connect.js';
import type { Source, SourceColumn, SourceItem, SourceRange, SourceValue } from './source.js';

/** A PostgreSQL table or query as a source. */
export interface PostgresSourceOptions {
  /** `postgres://user:password@host:port/db`. */
  url: string;
  /** A table (`customers` or `legacy.customers`); or give `query`. */
  table?: string;
  /** A SELECT; its rows are the source (give `key` for a stable order). */
  query?: string;
  /** Column that orders rows for ranges (default: the table's primary key, else `ctid`). */
  key?: string;
  /** Dataset name; default the table name, or `query`. */
  name?: string;
  /** Rows fetched per cursor read. Default 2000. */
  fetchSize?: number;
}

/**
 * Rows of a PostgreSQL table or query, streamed through a server-side cursor (never the whole
 * table in memory). A range is `ORDER BY key OFFSET start LIMIT end-start`, so a worker reads
 * its own slice in a stable order.
 */
export function createPostgresSource(opts: PostgresSourceOptions): Source {
  if (!opts.table === !opts.query) throw new SourceError('[source:postgres] needs exactly one of table or query');
  const where = describePgUrl(opts.url);
  const label = `[source:postgres ${where}${opts.table ? ` table ${opts.table}` : ' query'}]`;
  const from = opts.table ? qualified(opts.table) : `(${opts.query}) AS q`;
  let client: pg.Client | undefined;
  let order: string | undefined;

  async function conn(): Promise<pg.Client> {
    if (client) return client;
    client = await connectPg(opts.url, label);
    return client;
  }

  async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const c = await conn();
    try {
      return await c.query<R>(sql, params);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const why = code === '42P01' ? `table ${opts.table ?? ''} does not exist` : pgReason(err);
      throw new SourceError(`${label} cannot be read: ${why}`, { cause: err });
    }
  }

  async function orderBy(): Promise<string> {
    if (order) return order;
    if (opts.key) return (order = ident(opts.key));
    if (!opts.table) return (order = '1');
    const pk = await primaryKey(await conn(), opts.table);
    return (order = pk.length ? pk.map(ident).join(', ') : 'ctid');
  }

  return {
    name: opts.name ?? (opts.table ? opts.table.split('.').at(-1)! : 'query'),
    label,
    async columns(): Promise<SourceColumn[]> {
      const r = await query(`SELECT * FROM ${from} LIMIT 0`);
      const types = await query<{ oid: number; typname: string }>('SELECT oid::int AS oid, typname FROM pg_type WHERE oid = ANY($1)', [r.fields.map((f) => f.dataTypeID)]);
      const byOid = new Map(types.rows.map((t) => [t.oid, t.typname]));
      return r.fields.map((f) => ({ name: f.name, declaredType: byOid.get(f.dataTypeID) ?? 'unknown' }));
    },
    async count(): Promise<number> {
      const r = await query<{ n: string }>(`SELECT count(*) AS n FROM ${from}`);
      return Number(r.rows[0]!.n);
    },
    async *read(range?: SourceRange): AsyncIterable<SourceItem> {
      await query(`SELECT 1 FROM ${from} LIMIT 0`); // a missing table is a SourceError before the first row
      const ob = await orderBy();
      const start = range?.start ?? 0;
      const limit = range ? ` LIMIT ${Math.max(0, range.end - range.start)}` : '';
      const c = await conn();
      const cursor = c.query(new Cursor(`SELECT * FROM ${from} ORDER BY ${ob} OFFSET ${start}${limit}`));
      try {
        let row = start;
        for (;;) {
          const batch = (await cursor.read(opts.fetchSize ?? 2000)) as Array<Record<string, SourceValue>>;
          if (batch.length === 0) break;
          for (const values of batch) yield { ok: true, row: row++, values };
        }
      } finally {
        await cursor.close();
      }
    },
    async close() {
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}

/** Primary-key columns of a table, in key order (empty when it has none). */
export async function primaryKey(c: pg.Client, table: string): Promise<string[]> {
  const r = await c.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
     WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [qualified(table)],
  );
  return r.rows.map((x) => x.attname);
}
