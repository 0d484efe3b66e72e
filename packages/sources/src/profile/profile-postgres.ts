import type pg from 'pg';
import Cursor from 'pg-cursor';
import { SourceError } from '@synthfarm/core';
import { NULL_SENTINELS } from '../null-sentinels.js';
import { connectPg, describePgUrl, ident, pgReason, qualified } from '../pg-connect.js';
import { primaryKey } from '../postgres-source.js';
import { CATEGORY_CAP, ColumnSketch } from './column-sketch.js';
import { candidatePairs, FK_CONTAINMENT, namesMatch } from './infer-foreign-keys.js';
import { guessPrimaryKey } from './profile-sketched.js';
import type { ColumnStats, ColumnType, ForeignKey, TableStats } from './table-stats.js';

const NATIVE: Record<string, ColumnType> = {
  int2: 'integer', int4: 'integer', int8: 'integer', float4: 'number', float8: 'number', numeric: 'number',
  date: 'date', timestamp: 'datetime', timestamptz: 'datetime', bool: 'boolean',
};
const PERCENTILES = Array.from({ length: 101 }, (_, i) => i / 100);
const SENTINELS = [...NULL_SENTINELS];

/**
 * Profiles PostgreSQL tables by letting the database aggregate: count, count(DISTINCT),
 * percentile_cont, corr, GROUP BY for categories, constraints from the catalog, and inferred
 * foreign keys checked exactly with an anti-join. Only text columns (whose formats, null
 * sentinels and shapes SQL cannot read cheaply) stream through the sketches, one cursor per table.
 */
export async function profilePostgres(url: string, tables: string[]): Promise<TableStats[]> {
  const label = `[source:postgres ${describePgUrl(url)}]`;
  const c = await connectPg(url, label);
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    try {
      return await c.query<R>(sql, params);
    } catch (err) {
      throw new SourceError(`${label} cannot be read: ${pgReason(err)}`, { cause: err });
    }
  };
  try {
    const out: TableStats[] = [];
    for (const table of tables) out.push(await profileTable(c, q, url, label, table));
    const constraintFks = await q<{ child: string; col: string; parent: string; pcol: string }>(
      `SELECT cl.relname AS child, a.attname AS col, pl.relname AS parent, pa.attname AS pcol
       FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class pl ON pl.oid = k.confrelid
       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
       JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1]
       WHERE k.contype = 'f' AND array_length(k.conkey, 1) = 1`,
    );
    for (const r of constraintFks.rows) {
      const t = out.find((x) => x.name === r.child);
      if (t && out.some((x) => x.name === r.parent)) t.foreignKeys.push({ column: r.col, refTable: r.parent, refColumn: r.pcol, source: 'constraint' });
    }
    await inferForeignKeys(out, q);
    return out;
  } finally {
    await c.end().catch(() => {});
  }
}

type Query = <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

async function profileTable(c: pg.Client, q: Query, url: string, label: string, table: string): Promise<TableStats> {
  const from = qualified(table);
  const tlabel = `${label.slice(0, -1)} table ${table}]`;
  const exists = await q<{ r: string | null }>('SELECT to_regclass($1) AS r', [from]);
  if (!exists.rows[0]?.r) throw new SourceError(`${tlabel} cannot be read: table ${table} does not exist`);
  const fields = await q(`SELECT * FROM ${from} LIMIT 0`);
  const typeRows = await q<{ oid: number; typname: string }>('SELECT oid::int AS oid, typname FROM pg_type WHERE oid = ANY($1)', [fields.fields.map((f) => f.dataTypeID)]);
  const typeOf = new Map(typeRows.rows.map((t) => [t.oid, t.typname]));
  const cols = fields.fields.map((f) => ({ name: f.name, declared: typeOf.get(f.dataTypeID) ?? 'unknown' }));
  const text = cols.filter((x) => !NATIVE[x.declared]);

  // 1. counts, exact distincts (text: sentinels excluded), numeric/date quantiles: two queries,
  // the typed columns' and the text columns' distincts, each sorting its own columns.
  const PARAMS = 'cardinality($1::text[]) + cardinality($2::float8[]) AS _params';
  const sel = ['count(*) AS n', PARAMS];
  const textSel = [PARAMS];
  cols.forEach((col, i) => {
    const id = ident(col.name);
    if (NATIVE[col.declared]) sel.push(`count(${id}) AS nn${i}`, `count(DISTINCT ${id}) AS d${i}`);
    // Text distincts count 64-bit hashes (hashtextextended), not the text: PostgreSQL sorts the values
    // of a count(DISTINCT) one by one, and a million names sorted as text took ~2 s a column (the
    // largest part of a profile), as 8-byte integers ~0.5 s. Exact unless two distinct values share a
    // hash: ~3·10⁻⁸ for a million of them, and a column counted unique is unique.
    else textSel.push(`count(DISTINCT hashtextextended(${id}::text, 0)) FILTER (WHERE btrim(${id}::text) <> ALL($1)) AS d${i}`);
    const t = NATIVE[col.declared];
    if (t === 'integer' || t === 'number') sel.push(`percentile_cont($2::float8[]) WITHIN GROUP (ORDER BY ${id}::float8) AS q${i}`, `max(scale(${id}::numeric)) AS s${i}`);
    if (t === 'date' || t === 'datetime') sel.push(`percentile_cont($2::float8[]) WITHIN GROUP (ORDER BY extract(epoch FROM ${id}) * 1000) AS q${i}`);
    if (t === 'boolean') sel.push(`avg(${id}::int)::float8 AS b${i}`);
  });
  // The database aggregates on connections of their own while this process sketches the text
  // columns: PostgreSQL's sorts (two backends) and our parsing overlap.
  const aggregateOn = async (select: string[]) => {
    const c2 = await connectPg(url, tlabel);
    try {
      return (await c2.query<Record<string, unknown>>(`SELECT ${select.join(', ')} FROM ${from}`, [SENTINELS, PERCENTILES])).rows[0]!;
    } catch (err) {
      throw new SourceError(`${tlabel} cannot be read: ${pgReason(err)}`, { cause: err });
    } finally {
      await c2.end().catch(() => {});
    }
  };
  const aggregate = Promise.all([aggregateOn(sel), textSel.length > 1 ? aggregateOn(textSel) : {}]).then(([a, b]): Record<string, unknown> => ({ ...a, ...b }));
  aggregate.catch(() => {}); // awaited below; not unhandled meanwhile

  // 2. text columns through the sketches (formats, sentinels, shapes, dates written as text)
  const sketches = text.map((col) => new ColumnSketch(col.name, col.declared));
  if (text.length) {
    const cursor = c.query(new Cursor(`SELECT ${text.map((x) => `${ident(x.name)}::text AS ${ident(x.name)}`).join(', ')} FROM ${from}`));
    try {
      for (;;) {
        const batch = (await cursor.read(5000)) as Array<Record<string, string | null>>;
        if (batch.length === 0) break;
        for (const r of batch) for (const s of sketches) s.add(r[s.name]);
      }
    } catch (err) {
      throw new SourceError(`${tlabel} cannot be read: ${pgReason(err)}`, { cause: err });
    } finally {
      await cursor.close().catch(() => {});
    }
  }

  const agg = await aggregate;
  const rows = Number(agg.n);
  const stats: ColumnStats[] = [];
  for (const [i, col] of cols.entries()) {
    const t = NATIVE[col.declared];
    if (!t) {
      const s = sketches.find((x) => x.name === col.name)!.finish();
      const distinct = Number(agg[`d${i}`]);
      stats.push({ ...s, rows, distinct, distinctExact: true, unique: distinct > 0 && distinct === s.rows - s.nulls });
      continue;
    }
    const nonNull = Number(agg[`nn${i}`]);
    const distinct = Number(agg[`d${i}`]);
    const s: ColumnStats = { name: col.name, declaredType: col.declared, type: t, rows, nulls: rows - nonNull, sentinels: {}, distinct, distinctExact: true, unique: nonNull > 0 && distinct === nonNull };
    if (agg[`q${i}`]) s.quantiles = (agg[`q${i}`] as number[]).map(Number);
    if (t === 'integer' || t === 'number') s.decimals = Number(agg[`s${i}`] ?? 0);
    if (t === 'boolean') s.trueShare = Number(agg[`b${i}`] ?? 0);
    if (distinct > 0 && distinct <= CATEGORY_CAP && t !== 'date' && t !== 'datetime') {
      const g = await q<{ v: string; n: string }>(`SELECT ${ident(col.name)}::text AS v, count(*) AS n FROM ${from} WHERE ${ident(col.name)} IS NOT NULL GROUP BY 1`);
      s.categories = Object.fromEntries(g.rows.map((r) => [t === 'integer' || t === 'number' ? String(Number(r.v)) : r.v === 'true' || r.v === 't' ? 'true' : r.v === 'false' || r.v === 'f' ? 'false' : r.v, Number(r.n)]));
    }
    stats.push(s);
  }

  // 3. correlations between numeric columns, in one query
  const numeric = stats.filter((s) => s.type === 'integer' || s.type === 'number');
  const correlations: TableStats['correlations'] = [];
  const pairs: Array<[ColumnStats, ColumnStats]> = [];
  for (let a = 0; a < numeric.length; a++) for (let b = a + 1; b < numeric.length; b++) pairs.push([numeric[a]!, numeric[b]!]);
  if (pairs.length && pairs.every((p) => NATIVE[p[0].declaredType ?? ''] && NATIVE[p[1].declaredType ?? ''])) {
    const r = (await q<Record<string, number | null>>(`SELECT ${pairs.map(([x, y], k) => `corr(${ident(x.name)}::float8, ${ident(y.name)}::float8) AS r${k}`).join(', ')} FROM ${from}`)).rows[0]!;
    pairs.forEach(([x, y], k) => {
      const v = r[`r${k}`];
      if (v !== null && v !== undefined && Math.abs(v) >= 0.1) correlations.push({ a: x.name, b: y.name, r: v });
    });
  }
  const pk = await primaryKey(c, table);
  return { name: table.split('.').at(-1)!, label: tlabel, rows, columns: stats, primaryKey: pk.length ? pk : guessPrimaryKey(stats), foreignKeys: [], correlations, malformed: { count: 0, first: [] } };
}

/** Foreign keys without constraints: every value of the child column found in the parent key (anti-join, exact). */
async function inferForeignKeys(tables: TableStats[], q: Query): Promise<void> {
  const best = new Map<string, { fk: ForeignKey; score: number; table: TableStats }>();
  for (const { child, col, parent, key } of candidatePairs(tables)) {
    const cc = ident(col.name);
    const r = await q<{ total: string; missing: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ${qualified(parent.name)} p WHERE p.${ident(key.name)}::text = v)) AS missing
       FROM (SELECT DISTINCT btrim(${cc}::text) AS v FROM ${qualified(child.name)} WHERE ${cc} IS NOT NULL) d WHERE v <> ALL($1)`,
      [SENTINELS],
    );
    const total = Number(r.rows[0]!.total);
    if (total === 0) continue;
    const share = 1 - Number(r.rows[0]!.missing) / total;
    if (share < FK_CONTAINMENT) continue;
    const score = share + (namesMatch(col.name, parent.name, key.name) ? 1 : 0);
    const id = `${child.name}.${col.name}`;
    if ((best.get(id)?.score ?? -1) < score) best.set(id, { fk: { column: col.name, refTable: parent.name, refColumn: key.name, source: 'inferred' }, score, table: child });
  }
  for (const { fk, table } of best.values()) table.foreignKeys.push(fk);
}
