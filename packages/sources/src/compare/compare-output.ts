import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createCsvSource } from '../csv-source.js';
import { createJsonlSource } from '../jsonl-source.js';
import { isNullish } from '../null-sentinels.js';
import { parseValue } from '../profile/parse-value.js';
import { specName } from '../profile/field-name.js';
import { profileSketched } from '../profile/profile-sketched.js';
import { profileSource } from '../profile/profile-source.js';
import type { ColumnStats, TableStats } from '../profile/table-stats.js';
import type { Source } from '../source.js';
import { ksFromQuantiles, tvd } from './distances.js';
import { SourceError } from '@synthfarm/core';

/** Fidelity of one column of the output against the same column of the source. */
export interface ColumnFidelity {
  name: string;
  type: string;
  nullRate: { source: number; output: number; diff: number };
  distinct: { source: number; output: number };
  /** Kolmogorov–Smirnov distance (numbers and dates). */
  ks?: number;
  /** Total variation distance (categories). */
  tvd?: number;
  /** A primary key: no distance (a scaled key covers a longer range by design). */
  key?: boolean;
}

/** Fidelity of one table. */
export interface TableFidelity {
  name: string;
  rows: { source: number; output: number };
  columns: ColumnFidelity[];
  correlations: Array<{ a: string; b: string; source: number; output: number; diff: number }>;
  missingColumns: string[];
}

/** Foreign-key integrity of the output: every child value found among the parent's. */
export interface ForeignKeyCheck {
  table: string;
  column: string;
  refTable: string;
  refColumn: string;
  source: 'constraint' | 'inferred';
  checked: number;
  orphans: number;
}

/** What `synthfarm compare` reports. */
export interface FidelityReport {
  source: string;
  outDir: string;
  tables: TableFidelity[];
  foreignKeys: ForeignKeyCheck[];
  /** The worst figures over all columns: what a bound in a test or a CI gate reads. */
  worst: { ks: number; tvd: number; nullRateDiff: number; correlationDiff: number; orphans: number };
}

/**
 * Compares an output directory (`<dataset>.csv`, else `.jsonl`) with the source it was profiled
 * from: per column KS (numbers, dates), TVD (categories), null-rate and cardinality; per table
 * correlation differences; and foreign-key integrity of the output, for the source's keys
 * (declared or inferred). Both sides are profiled the same way, so sentinels count as nulls on both.
 */
export async function compareOutput(source: string, outDir: string, opts: { tables?: string[] } = {}): Promise<FidelityReport> {
  const src = await profileSource(source, opts);
  const outSources: Source[] = [];
  for (const t of src) {
    const name = specName(t.name);
    const csv = join(outDir, `${name}.csv`);
    const jsonl = join(outDir, `${name}.jsonl`);
    if (await exists(csv)) outSources.push(createCsvSource(csv, { name: t.name, encoding: 'utf8', delimiter: ',' }));
    else if (await exists(jsonl)) outSources.push(createJsonlSource(jsonl, { name: t.name }));
    else throw new SourceError(`[compare] ${outDir} has no ${name}.csv or ${name}.jsonl for source table ${t.name}`);
  }
  const out: TableStats[] = [];
  for (const s of outSources) out.push(await profileSketched(s));
  const tables = src.map((t, i) => compareTable(t, out[i]!));
  const foreignKeys: ForeignKeyCheck[] = [];
  for (const t of src) {
    for (const fk of t.foreignKeys) {
      const child = outSources[src.indexOf(t)]!;
      const pi = src.findIndex((x) => x.name === fk.refTable);
      if (pi < 0) continue;
      foreignKeys.push({ table: t.name, column: fk.column, refTable: fk.refTable, refColumn: fk.refColumn, source: fk.source, ...(await checkForeignKey(child, specName(fk.column), outSources[pi]!, specName(fk.refColumn))) });
    }
  }
  const cols = tables.flatMap((t) => t.columns);
  return {
    source, outDir, tables, foreignKeys,
    worst: {
      ks: Math.max(0, ...cols.map((c) => c.ks ?? 0)),
      tvd: Math.max(0, ...cols.map((c) => c.tvd ?? 0)),
      nullRateDiff: Math.max(0, ...cols.map((c) => c.nullRate.diff)),
      correlationDiff: Math.max(0, ...tables.flatMap((t) => t.correlations.map((c) => c.diff))),
      orphans: foreignKeys.reduce((s, f) => s + f.orphans, 0),
    },
  };
}

function compareTable(s: TableStats, o: TableStats): TableFidelity {
  const columns: ColumnFidelity[] = [];
  const missing: string[] = [];
  for (const sc of s.columns) {
    const oc = o.columns.find((c) => c.name === specName(sc.name));
    if (!oc) {
      missing.push(sc.name);
      continue;
    }
    const nr = (c: ColumnStats) => (c.rows ? c.nulls / c.rows : 0);
    const f: ColumnFidelity = {
      name: sc.name, type: sc.type,
      nullRate: { source: round(nr(sc)), output: round(nr(oc)), diff: round(Math.abs(nr(sc) - nr(oc))) },
      distinct: { source: sc.distinct, output: oc.distinct },
    };
    const numeric = (t: string) => t === 'integer' || t === 'number';
    const dated = (t: string) => t === 'date' || t === 'datetime';
    // A key (unique integers) scaled ×10 is a longer range by design: KS says nothing about it.
    const key = sc.unique && sc.type === 'integer' && s.primaryKey.includes(sc.name);
    if (key) f.key = true;
    else if (sc.quantiles && oc.quantiles && ((numeric(sc.type) && numeric(oc.type)) || (dated(sc.type) && dated(oc.type)))) f.ks = round(ksFromQuantiles(sc.quantiles, oc.quantiles));
    else if (sc.categories && oc.categories && !sc.unique && Object.keys(sc.categories).length <= 50) f.tvd = round(tvd(sc.categories, oc.categories));
    columns.push(f);
  }
  const rOf = (t: TableStats, a: string, b: string) => t.correlations.find((c) => (c.a === a && c.b === b) || (c.a === b && c.b === a))?.r ?? 0;
  const correlations = s.correlations.map((c) => {
    const out = rOf(o, specName(c.a), specName(c.b));
    return { a: c.a, b: c.b, source: round(c.r), output: round(out), diff: round(Math.abs(c.r - out)) };
  });
  return { name: s.name, rows: { source: s.rows, output: o.rows }, columns, correlations, missingColumns: missing };
}

/** Exact check: the parent's key values in a Set (the output's, bounded by what was generated), the child's streamed. */
async function checkForeignKey(child: Source, column: string, parent: Source, key: string): Promise<{ checked: number; orphans: number }> {
  const keys = new Set<string>();
  for await (const it of parent.read()) if (it.ok && !isNullish(it.values[key])) keys.add(canon(it.values[key]));
  let checked = 0;
  let orphans = 0;
  for await (const it of child.read()) {
    if (!it.ok || isNullish(it.values[column])) continue;
    checked++;
    if (!keys.has(canon(it.values[column]))) orphans++;
  }
  return { checked, orphans };
}

function canon(v: unknown): string {
  const s = String(v).trim();
  const p = parseValue(s);
  return p.t === 'integer' ? String(p.v) : s;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
