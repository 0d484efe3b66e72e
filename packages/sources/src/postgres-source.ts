import type pg from 'pg';
import { SourceError } from '@synthfarm/core/errors';
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
  /** Rows between two entries of a table's sparse index of order keys. Default 1024 (a range read skips at most that many rows). */
  indexEvery?: number;
}

/** Where the order reaches row `row`: the order columns' values there, as text. */
interface KeyEntry {
  row: number;
  key: string[];
}

/**
 * Rows of a PostgreSQL table or query, streamed through a server-side cursor (never the whole
 * table in memory), in a stable order. A table's rows are ordered by `key` (when given) then its
 * primary key, or its `ctid` when it has none: a total order, so a range is a keyset read. A
 * sparse index of the order's values every {@link PostgresSourceOptions.indexEvery} rows (one
 * pass, built when a range first needs it) lets `WHERE (order) >= (entry) ORDER BY order OFFSET
 * <under indexEvery>` start each range where it begins, as the CSV source's byte index does:
 * reading a million-row table in 200 ranges scans it about once, where `OFFSET start` scanned
 * half of it again for every range. A query is ordered by `key` (else its first column) and read
 * with `OFFSET start` from one cursor: a query's rows have no key of their own to seek to.
 */
export function createPostgresSource(opts: PostgresSourceOptions): Source {
  if (!opts.table === !opts.query) throw new SourceError('[source:postgres] needs exactly one of table or query');
  const where = describePgUrl(opts.url);
  const label = `[source:postgres ${where}${opts.table ? ` table ${opts.table}` : ' query'}]`;
  const from = opts.table ? qualified(opts.table) : `(${opts.query}) AS q`;
  const every = opts.indexEvery ?? 1024;
  let client: pg.Client | undefined;
  let order: Order | undefined;
  let index: KeyEntry[] | undefined;

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

  async function orderOf(): Promise<Order> {
    if (order) return order;
    if (!opts.table) return (order = { sql: opts.key ? ident(opts.key) : '1', columns: [] });
    // The source key first (rows come in its order), then the primary key or ctid: a total order.
    const pk = await primaryKey(await conn(), opts.table);
    const names = [...new Set([...(opts.key ? [opts.key] : []), ...pk])];
    const types = await query<{ attname: string; type: string; notnull: boolean }>(
      'SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = ANY($2) AND attnum > 0',
      [from, names],
    );
    const typeOf = new Map(types.rows.map((r) => [r.attname, r]));
    const columns = names.map((n) => ({ sql: ident(n), type: typeOf.get(n)?.type ?? 'text' }));
    if (!pk.length) columns.push({ sql: 'ctid', type: 'tid' });
    const sql = columns.map((c) => c.sql).join(', ');
    // A row comparison with a NULL is never true: a key column that may hold NULLs (a legacy key
    // often does) cannot be seeked on, and its ranges are read with OFFSET.
    const seekable = names.every((n) => typeOf.get(n)?.notnull);
    return (order = { sql, columns: seekable ? columns : [] });
  }

  /** The table's sparse index of order values: one entry every `every` rows, from row 0. */
  async function buildIndex(o: Order): Promise<KeyEntry[]> {
    if (index) return index;
    const cols = o.columns.map((c, i) => `${c.sql}::text AS k${i}`).join(', ');
    const r = await query<Record<string, string>>(
      `SELECT rn, ${o.columns.map((_, i) => `k${i}`).join(', ')} FROM (SELECT row_number() OVER (ORDER BY ${o.sql}) - 1 AS rn, ${cols} FROM ${from}) s WHERE rn % ${every} = 0 ORDER BY rn`,
    );
    return (index = r.rows.map((row) => ({ row: Number(row.rn), key: o.columns.map((_, i) => row[`k${i}`]!) })));
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
      const o = await orderOf();
      const start = range?.start ?? 0;
      const limit = range ? ` LIMIT ${Math.max(0, range.end - range.start)}` : '';
      let sql = `SELECT * FROM ${from} ORDER BY ${o.sql} OFFSET ${start}${limit}`;
      let params: string[] = [];
      if (start > 0 && o.columns.length) {
        // Seek to the last index entry at or before `start`, then skip what is left (under `every` rows).
        let at: KeyEntry | undefined;
        for (const e of await buildIndex(o)) if (e.row <= start) at = e;
        if (at) {
          params = at.key;
          const bound = o.columns.map((c, i) => `$${i + 1}::text::${c.type}`).join(', ');
          sql = `SELECT * FROM ${from} WHERE (${o.sql}) >= (${bound}) ORDER BY ${o.sql} OFFSET ${start - at.row}${limit}`;
        }
      }
      const c = await conn();
      // Loaded here, not with the module: a code thread reading a file source never needs it.
      const { default: Cursor } = await import('pg-cursor');
      const cursor = c.query(new Cursor(sql, params));
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

/** The order a source's rows come in: its SQL, and for a table the columns a keyset read compares (with their types). */
interface Order {
  sql: string;
  columns: Array<{ sql: string; type: string }>;
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
