import type { Source } from '../source.js';
import { ColumnSketch } from './column-sketch.js';
import type { TableStats } from './table-stats.js';

/**
 * Profiles a source in one streaming pass with sketches (files; the same code also serves a
 * database's text columns). Memory is flat in row count: sketches are capped, rows are not kept.
 */
export async function profileSketched(source: Source): Promise<TableStats> {
  const columns = await source.columns();
  const sketches = columns.map((c) => new ColumnSketch(c.name, c.declaredType));
  const k = sketches.length;
  // Pairwise sums for Pearson r over rows where both columns are numbers: O(k^2) counters.
  const pairs = new Float64Array(((k * (k - 1)) / 2) * 6);
  const xs = new Float64Array(k);
  const malformed: TableStats['malformed'] = { count: 0, first: [] };
  for await (const item of source.read()) {
    if (!item.ok) {
      malformed.count++;
      if (malformed.first.length < 20) malformed.first.push({ row: item.row, reason: item.reason, ...(item.line !== undefined ? { line: item.line } : {}) });
      continue;
    }
    for (let i = 0; i < k; i++) {
      const s = sketches[i]!;
      s.add(item.values[s.name]);
      xs[i] = s.lastNumber;
    }
    let p = 0;
    for (let i = 0; i < k; i++) {
      const x = xs[i]!;
      if (Number.isNaN(x)) {
        p += (k - 1 - i) * 6;
        continue;
      }
      for (let j = i + 1; j < k; j++, p += 6) {
        const y = xs[j]!;
        if (Number.isNaN(y)) continue;
        pairs[p]!++;
        pairs[p + 1]! += x;
        pairs[p + 2]! += y;
        pairs[p + 3]! += x * x;
        pairs[p + 4]! += y * y;
        pairs[p + 5]! += x * y;
      }
    }
  }
  const stats = sketches.map((s) => s.finish());
  const correlations: TableStats['correlations'] = [];
  let p = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++, p += 6) {
      const a = stats[i]!;
      const b = stats[j]!;
      if (!isNumeric(a.type) || !isNumeric(b.type)) continue;
      const [n, sx, sy, sxx, syy, sxy] = pairs.subarray(p, p + 6) as unknown as number[];
      if (n! < 3) continue;
      const cov = sxy! - (sx! * sy!) / n!;
      const vx = sxx! - (sx! * sx!) / n!;
      const vy = syy! - (sy! * sy!) / n!;
      if (vx <= 0 || vy <= 0) continue;
      const r = cov / Math.sqrt(vx * vy);
      if (Math.abs(r) >= 0.1) correlations.push({ a: a.name, b: b.name, r });
    }
  }
  const rows = stats[0]?.rows ?? 0;
  return { name: source.name, label: source.label, rows, columns: stats, primaryKey: guessPrimaryKey(stats), foreignKeys: [], correlations, malformed };
}

const isNumeric = (t: string) => t === 'integer' || t === 'number';

/** A unique column without nulls, preferring `id`, then names ending in `id`, then the first. */
export function guessPrimaryKey(cols: TableStats['columns']): string[] {
  const candidates = cols.filter((c) => c.unique && c.nulls === 0 && (c.type === 'integer' || c.type === 'string') && (!c.text || c.text.avgWords <= 1.01));
  const pick = candidates.find((c) => /^id$/i.test(c.name)) ?? candidates.find((c) => /(_|\b)?id$/i.test(c.name)) ?? candidates[0];
  return pick ? [pick.name] : [];
}
