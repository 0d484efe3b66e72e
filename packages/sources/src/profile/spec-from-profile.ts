import { stringify } from 'yaml';
import { fakerForName, shapeToRegExp } from './faker-heuristics.js';
import { specName } from './field-name.js';
import type { ColumnStats, TableStats } from './table-stats.js';
import { SpecError } from '@synthfarm/core/errors';
import type { FieldSpec } from '@synthfarm/spec';
import { latentMixes } from '@synthfarm/spec/latent-mix';
import { latentR, type Marginal } from './latent-r.js';

/** At most this many values make a text column a category (kept with weights in the spec). */
export const MAX_CATEGORIES = 50;
/** A category value seen fewer times than this is left out of the spec (rare values identify people). */
export const MIN_CATEGORY_COUNT = 3;

/** One field of the spec, with the comment that explains it. */
interface Field {
  spec: Record<string, unknown>;
  note: string;
}

/**
 * Writes an editable spec reproducing each table as a dataset of the same name and columns
 * (DESIGN §9). Kept from the source: counts, null rates, quantiles of numbers and dates,
 * low-cardinality categories with weights, shapes as patterns, keys. Never kept: any value of
 * a high-cardinality text column — those become faker fields, patterns, or llm fields.
 */
export function specFromProfile(tables: TableStats[], source: string): string {
  const ordered = fkOrder(tables);
  const lines: string[] = [
    `# Written by \`synthfarm profile ${source}\`: a look-alike of ${tables.length} table(s). Edit freely.`,
    '# Kept: row counts, null rates, quantiles of numbers and dates, categories (<= 50 values, each seen >= 3 times),',
    '# shapes, keys. No value of a high-cardinality text column (names, emails, phones, addresses, notes, ids) is copied.',
    'version: 1',
    'seed: 1',
    'datasets:',
  ];
  for (const t of ordered) {
    lines.push(`  - name: ${specName(t.name)}`, `    count: ${Math.max(1, t.rows)}`);
    lines.push(`    # ${t.label}: ${t.rows} rows${t.primaryKey.length ? `, primary key ${t.primaryKey.join(', ')}` : ''}${t.malformed.count ? `, ${t.malformed.count} malformed (${t.malformed.first.slice(0, 3).map((m) => `line ${m.line ?? m.row}: ${m.reason}`).join('; ')})` : ''}`);
    for (const fk of t.foreignKeys) lines.push(`    # foreign key ${fk.column} -> ${fk.refTable}.${fk.refColumn} (${fk.source === 'constraint' ? 'constraint' : 'inferred from the data'})`);
    lines.push('    fields:');
    const done = new Set<string>();
    const fields = t.columns.map((c) => {
      const f = fieldFor(c, t, done);
      done.add(c.name);
      return { c, f };
    });
    keepFeasible(fields.map(({ c, f }) => [specName(c.name), f.spec]));
    for (const { c, f } of fields) {
      lines.push(`      # ${c.name}: ${f.note}`);
      lines.push(`      ${specName(c.name)}: ${stringify(f.spec, { collectionStyle: 'flow', lineWidth: 0 }).trim()}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Tables ordered so a referenced table comes before the tables that reference it. */
function fkOrder(tables: TableStats[]): TableStats[] {
  const out: TableStats[] = [];
  const seen = new Set<string>();
  const visit = (t: TableStats, path: Set<string>) => {
    if (seen.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    for (const fk of t.foreignKeys) {
      const p = tables.find((x) => x.name === fk.refTable);
      if (p && p !== t) visit(p, path);
    }
    seen.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** Correlations a profiled field keeps at most (the strongest with earlier columns). */
const MAX_PARTNERS = 4;

/**
 * Makes every field's correlations hold together in the generator. The source's values may
 * correlate in ways no set of latent correlations reproduces once each is calibrated on its own
 * (a total that is nearly quantity × price leaves no latent variance for the rest): a field whose
 * partners cannot all hold has its r values shrunk together, 3% at a time; past a third of their
 * strength its weakest partner is dropped instead, and the others keep theirs. The spec written
 * always loads and runs.
 */
function keepFeasible(fields: Array<[name: string, spec: Record<string, unknown>]>): void {
  const byName = new Map(fields);
  /** Per field being shrunk: how many times, and its partners as first written. */
  const shrunk = new Map<string, { times: number; first: Array<{ with: string; r: number }> }>();
  for (;;) {
    try {
      latentMixes(byName as unknown as Map<string, FieldSpec>, (path) => path);
      return;
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      const name = err.path.replace(/\.correlate$/, '');
      const spec = byName.get(name);
      const list = spec && Array.isArray(spec.correlate) ? (spec.correlate as Array<{ with: string; r: number }>) : undefined;
      // One partner always holds (|r| < 1): a list of two or more is all that can fail.
      if (!spec || !list || list.length < 2) throw err;
      const state = shrunk.get(name) ?? { times: 0, first: list.map((c) => ({ ...c })) };
      shrunk.set(name, state);
      if (state.times < SHRINK_STEPS) {
        state.times++;
        for (const c of list) c.r = r4(c.r * SHRINK);
        continue;
      }
      // The rest keep their full strength.
      shrunk.delete(name);
      const kept = state.first.slice(0, -1);
      spec.correlate = kept.length === 1 ? kept[0] : kept;
    }
  }
}

const SHRINK = 0.97;
/** 0.97^36 ≈ 1/3. */
const SHRINK_STEPS = 36;

/** A numeric column's quantiles as the spec writes them (rounded two places past its decimals, repeats dropped). */
function specQuantiles(c: ColumnStats): number[] {
  const decimals = Math.min(c.decimals ?? 0, 6);
  return dedupe((c.quantiles ?? []).map((x) => roundTo(x, decimals + 2)));
}

/** How the generator draws a profiled numeric column (for the latent r of its correlations). */
function marginalOf(c: ColumnStats): Marginal {
  return { quantiles: specQuantiles(c), ...(c.type === 'integer' ? { integer: true } : { round: Math.min(c.decimals ?? 0, 6) }) };
}

function fieldFor(c: ColumnStats, t: TableStats, before: Set<string>): Field {
  const nonNull = c.rows - c.nulls;
  const nullRate = c.rows ? r4(c.nulls / c.rows) : 0;
  const common: Record<string, unknown> = nullRate > 0 ? { nullRate: Math.min(nullRate, 1) } : {};
  const sentinels = Object.keys(c.sentinels).length ? `; nulls written as ${Object.entries(c.sentinels).map(([k, n]) => `${JSON.stringify(k)} ×${n}`).join(', ')}` : '';
  const base = `${c.type}${c.declaredType ? ` (${c.declaredType})` : ''}, ${c.distinct}${c.distinctExact ? '' : '~'} distinct, null rate ${nullRate}${sentinels}`;
  const isPk = t.primaryKey.length === 1 && t.primaryKey[0] === c.name;
  const unique = c.unique && nonNull > 1 ? { unique: true } : {};

  const fk = t.foreignKeys.find((f) => f.column === c.name);
  if (fk) return { spec: { kind: 'ref', dataset: specName(fk.refTable), field: specName(fk.refColumn), ...common }, note: `${base}; references ${fk.refTable}.${fk.refColumn}` };
  if (nonNull === 0) return { spec: { kind: 'choice', values: [''], nullRate: 1 }, note: `${base}; always null` };

  switch (c.type) {
    case 'boolean':
      return { spec: { kind: 'bool', p: r4(c.trueShare ?? 0.5), ...common }, note: base };
    case 'integer': case 'number': {
      const q = c.quantiles ?? [];
      if (c.type === 'integer' && c.unique && c.nulls === 0 && q.length && q.at(-1)! - q[0]! + 1 === nonNull) {
        return { spec: { kind: 'sequence', start: q[0], ...common }, note: `${base}; ${isPk ? 'primary key, ' : ''}consecutive from ${q[0]}` };
      }
      const cats = categoryWeights(c);
      // Few integers are observed weights, unless a correlation needs the quantiles' latent.
      const correlated = t.correlations.some((x) => x.a === c.name || x.b === c.name);
      if (cats && !c.unique && Object.keys(cats).length <= 20 && !correlated) return { spec: { kind: 'empirical', type: 'number', weights: cats, ...common }, note: `${base}; observed values` };
      // Every correlation with an earlier column, strongest first (a field draws after its partners),
      // as the latent r that gives the two columns' values the source's Pearson r (latent-r.ts).
      const partners = t.correlations.filter((x) => (x.a === c.name && before.has(x.b)) || (x.b === c.name && before.has(x.a)))
        .sort((x, y) => Math.abs(y.r) - Math.abs(x.r)).slice(0, MAX_PARTNERS)
        .map((x) => {
          const other = t.columns.find((o) => o.name === (x.a === c.name ? x.b : x.a))!;
          return { with: specName(other.name), r: latentR(x.r, marginalOf(c), marginalOf(other)) };
        });
      const corrSpec = partners.length ? { correlate: partners.length === 1 ? partners[0] : partners } : {};
      return {
        spec: { kind: 'empirical', quantiles: specQuantiles(c), ...(c.type === 'integer' ? { integer: true } : { round: Math.min(c.decimals ?? 0, 6) }), ...unique, ...corrSpec, ...common },
        note: `${base}; percentiles${c.numberFormats ? `; written as ${Object.keys(c.numberFormats).join(', ')}` : ''}${isPk ? '; primary key' : ''}`,
      };
    }
    case 'date': case 'datetime': {
      const iso = (ms: number) => (c.type === 'date' ? new Date(ms).toISOString().slice(0, 10) : new Date(Math.round(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
      const formats = c.dateFormats ? `; legacy formats ${Object.entries(c.dateFormats).map(([f, n]) => `${f} ×${n}`).join(', ')}` : '';
      return { spec: { kind: 'empirical', quantiles: dedupe((c.quantiles ?? []).map(iso)), ...unique, ...common }, note: `${base}; percentiles${formats}${c.unparsed ? `; ${c.unparsed} values unreadable as dates` : ''}` };
    }
    case 'string':
      return textField(c, t, base, common, unique, isPk);
  }
}

function textField(c: ColumnStats, t: TableStats, base: string, common: Record<string, unknown>, unique: Record<string, unknown>, isPk: boolean): Field {
  const tx = c.text;
  const cats = categoryWeights(c);
  if (cats && !c.unique) return { spec: { kind: 'empirical', weights: cats, ...common }, note: `${base}; a category (${Object.keys(cats).length} values kept)` };
  if (!tx) return { spec: { kind: 'faker', method: 'lorem.word', ...unique, ...common }, note: base };
  const [shape, shapeCount] = tx.shapes[0] ?? ['', 0];
  const dominant = shape !== '…' && shapeCount >= 0.9 * tx.sampled;
  if (tx.uuidShare >= 0.9) return { spec: { kind: 'uuid', ...common }, note: `${base}; UUIDs` };
  if (tx.emailShare >= 0.8) return { spec: { kind: 'faker', method: 'internet.exampleEmail', ...unique, ...common }, note: `${base}; emails (written at reserved example domains)` };
  if (tx.phoneShare >= 0.8) {
    const s = tx.shapes.find(([sh]) => /9/.test(sh))?.[0] ?? shape;
    const re = shapeToRegExp(s);
    if (re) return { spec: { kind: 'faker', method: 'helpers.fromRegExp', args: [re], ...unique, ...common }, note: `${base}; phone numbers, most shaped ${s}` };
    return { spec: { kind: 'faker', method: 'phone.number', ...unique, ...common }, note: `${base}; phone numbers` };
  }
  const named = fakerForName(c.name);
  if (named && tx.avgWords <= 6) return { spec: { kind: 'faker', method: named, ...unique, ...common }, note: `${base}; ${named} by its name` };
  const re = dominant && tx.avgWords <= 1.01 ? shapeToRegExp(shape) : undefined;
  if (re) {
    return { spec: { kind: 'faker', method: 'helpers.fromRegExp', args: [re], ...unique, ...common }, note: `${base}; pattern ${shape} (${Math.round((100 * shapeCount) / tx.sampled)}%)${isPk ? '; primary key' : ''}` };
  }
  if (tx.avgWords >= 3) {
    const words = Math.max(3, Math.round(tx.avgWords));
    const noun = c.name.replace(/[_-]+/g, ' ').toLowerCase();
    const maxLength = Math.max(20, tx.maxLength);
    return {
      spec: { kind: 'llm', prompt: `Write the ${noun} field of one ${t.name} record of a legacy business system: plain text, about ${words} words, no names of real people.`, maxLength, ...common },
      note: `${base}; free text, ${Math.round(tx.avgLength)} characters on average (offline runs fill it procedurally)`,
    };
  }
  const words = Math.max(1, Math.round(tx.avgWords));
  return { spec: words > 1 ? { kind: 'faker', method: 'lorem.words', args: [words], ...unique, ...common } : { kind: 'faker', method: 'lorem.word', ...unique, ...common }, note: `${base}; text of about ${words} word(s)` };
}

/** Weights of a low-cardinality column, rare values left out; undefined when it is not a category. */
function categoryWeights(c: ColumnStats): Record<string, number> | undefined {
  if (!c.categories) return undefined;
  const entries = Object.entries(c.categories);
  const nonNull = c.rows - c.nulls;
  if (entries.length > MAX_CATEGORIES || nonNull < 5 * entries.length) return undefined;
  const kept = entries.filter(([, n]) => n >= MIN_CATEGORY_COUNT).sort((a, b) => b[1] - a[1]);
  if (kept.length === 0) return undefined;
  return Object.fromEntries(kept.map(([v, n]) => [v, r4(n / nonNull)]));
}

function roundTo(x: number, d: number): number {
  const s = 10 ** Math.min(d, 10);
  return Math.round(x * s) / s;
}

function dedupe<T>(xs: T[]): T[] {
  // Repeated quantiles are fine for sampling, but two are the minimum a spec needs.
  return xs.length >= 2 ? xs : [xs[0]!, xs[0]!];
}
