import { hash53 } from '@synthfarm/core';
import { NULL_SENTINELS } from '../null-sentinels.js';
import { BloomFilter } from '../sketch/bloom-filter.js';
import { HyperLogLog } from '../sketch/hyper-log-log.js';
import { KllSketch } from '../sketch/kll-sketch.js';
import type { SourceValue } from '../source.js';
import { parseValue, type Parsed } from './parse-value.js';
import type { ColumnStats, ColumnType } from './table-stats.js';
import { digitCount, EMAIL, PHONE, shapeOf, UUID } from './text-shape.js';

/** Distinct values counted exactly (as 53-bit hashes) before HyperLogLog takes over. */
export const EXACT_DISTINCT_CAP = 50_000;
/** Values a category may have; past this the value-count map is dropped. */
export const CATEGORY_CAP = 200;
const SHAPE_CAP = 64;
const MAX_SENTINEL = Math.max(...[...NULL_SENTINELS].map((s) => s.length));
/** Text values whose shape is read before sampling 1 in 16. */
const TEXT_FULL = 20_000;

/**
 * One pass over a column's values with memory flat in row count: a KLL sketch per numeric and
 * date reading, exact distinct hashes up to a cap then HyperLogLog, a value-count map dropped
 * past {@link CATEGORY_CAP}, a capped shape map, and a Bloom filter while the values look like keys.
 */
export class ColumnSketch {
  rows = 0;
  nulls = 0;
  private readonly sentinels = new Map<string, number>();
  private readonly byType = { integer: 0, number: 0, date: 0, datetime: 0, boolean: 0, string: 0 };
  private readonly numbers = new KllSketch();
  private readonly dates = new KllSketch();
  private decimals = 0;
  private trues = 0;
  private readonly dateFormats = new Map<string, number>();
  private readonly numberFormats = new Map<string, number>();
  private slashDmy = 0;
  private slashMdy = 0;
  private exact: Set<number> | undefined = new Set();
  private readonly hll = new HyperLogLog();
  private values: Map<string, number> | undefined = new Map();
  private bloom: BloomFilter | undefined = new BloomFilter();
  private readonly shapes = new Map<string, number>();
  private lenSum = 0;
  private lenMax = 0;
  private lenMin = Infinity;
  private words = 0;
  private emails = 0;
  private phones = 0;
  private uuids = 0;
  private strings = 0;
  private increasing = true;
  private last = -Infinity;
  /** The last value read as a number (NaN when none): the table sketch correlates these. */
  lastNumber = NaN;

  constructor(readonly name: string, readonly declaredType?: string) {}

  add(raw: SourceValue | undefined): void {
    this.rows++;
    this.lastNumber = NaN;
    if (raw === null || raw === undefined) {
      this.nulls++;
      return;
    }
    let p: Parsed;
    let key: string;
    if (typeof raw === 'number') {
      p = Number.isInteger(raw) ? { t: 'integer', v: raw, decimals: 0 } : { t: 'number', v: raw, decimals: decimalsOf(raw) };
      key = String(raw);
    } else if (typeof raw === 'boolean') {
      p = { t: 'boolean', v: raw };
      key = String(raw);
    } else if (raw instanceof Date) {
      p = { t: 'datetime', v: raw.getTime(), format: 'ISO-8601' };
      key = raw.toISOString();
    } else if (typeof raw === 'string') {
      const s = raw.trim();
      // No sentinel is longer than 4 characters: no hashing of longer values.
      if (s.length <= MAX_SENTINEL && NULL_SENTINELS.has(s)) {
        this.nulls++;
        this.sentinels.set(raw, (this.sentinels.get(raw) ?? 0) + 1);
        return;
      }
      p = parseValue(s, this.slashDmy >= this.slashMdy ? 'dmy' : 'mdy');
      key = p.t === 'integer' ? String(p.v) : s;
      // Shapes, lengths and formats are read off every value up to TEXT_FULL, then off every
      // 16th: a systematic sample that keeps their shares within a fraction of a percent.
      if (this.strings < TEXT_FULL || (this.rows & 15) === 0) this.text(s);
    } else {
      p = { t: 'string' };
      key = JSON.stringify(raw);
    }
    // One property per branch: `byType[p.t]++` was a keyed store with six keys (megamorphic).
    const byType = this.byType;
    switch (p.t) {
      case 'string': byType.string++; break;
      case 'boolean': byType.boolean++; break;
      case 'integer': byType.integer++; break;
      case 'number': byType.number++; break;
      case 'date': byType.date++; break;
      default: byType.datetime++;
    }
    switch (p.t) {
      case 'integer': case 'number':
        this.numbers.add(p.v);
        this.lastNumber = p.v;
        if (p.decimals > this.decimals) this.decimals = p.decimals;
        if (p.format) this.numberFormats.set(p.format, (this.numberFormats.get(p.format) ?? 0) + 1);
        break;
      case 'date': case 'datetime':
        this.dates.add(p.v);
        this.dateFormats.set(p.format, (this.dateFormats.get(p.format) ?? 0) + 1);
        if (p.format === 'DD/MM/YYYY') this.slashDmy += Number(/^(1[3-9]|2\d|3[01])\//.test(key));
        if (p.format === 'MM/DD/YYYY') this.slashMdy += Number(/^\d{1,2}\/(1[3-9]|2\d|3[01])\//.test(key));
        break;
      case 'boolean':
        if (p.v) this.trues++;
        break;
    }
    const v = p.t === 'string' || p.t === 'boolean' ? NaN : p.v;
    if (!(v > this.last)) this.increasing = false;
    else this.last = v;
    const h = hash53(key);
    this.hll.add(h);
    if (this.exact) {
      this.exact.add(h);
      if (this.exact.size > EXACT_DISTINCT_CAP) this.exact = undefined;
    }
    if (this.values) {
      this.values.set(key, (this.values.get(key) ?? 0) + 1);
      if (this.values.size > CATEGORY_CAP) this.values = undefined;
    }
    if (this.bloom) {
      // Keys are integers or short tokens; anything else cannot be a key: stop filling.
      if (p.t === 'integer' || (p.t === 'string' && key.length <= 40 && !/\s/.test(key))) this.bloom.add(h);
      else this.bloom = undefined;
    }
  }

  private text(s: string): void {
    this.strings++;
    this.lenSum += s.length;
    if (s.length > this.lenMax) this.lenMax = s.length;
    if (s.length < this.lenMin) this.lenMin = s.length;
    this.words += s.split(/\s+/).length;
    if (EMAIL.test(s)) this.emails++;
    else if (PHONE.test(s) && digitCount(s) >= 7) this.phones++;
    else if (UUID.test(s)) this.uuids++;
    const shape = shapeOf(s);
    if (this.shapes.has(shape) || this.shapes.size < SHAPE_CAP) this.shapes.set(shape, (this.shapes.get(shape) ?? 0) + 1);
  }

  /** The column's statistics. */
  finish(): ColumnStats {
    const nonNull = this.rows - this.nulls;
    const t = this.byType;
    const type: ColumnType = nonNull === 0 ? 'string'
      : t.boolean === nonNull ? 'boolean'
      : t.integer === nonNull ? 'integer'
      : t.integer + t.number === nonNull ? 'number'
      : t.date + t.datetime >= 0.9 * nonNull ? (t.datetime > t.date ? 'datetime' : 'date')
      : t.integer + t.number >= 0.98 * nonNull ? 'number'
      : 'string';
    const distinctExact = this.exact !== undefined;
    const distinct = this.exact ? this.exact.size : Math.min(nonNull, Math.round(this.hll.estimate()));
    const unique = nonNull > 0 && (distinctExact ? distinct === nonNull : this.increasing || distinct >= 0.99 * nonNull);
    const out: ColumnStats = {
      name: this.name, type, rows: this.rows, nulls: this.nulls, sentinels: Object.fromEntries(this.sentinels),
      distinct, distinctExact, unique, increasing: this.increasing && nonNull > 0,
      ...(this.declaredType ? { declaredType: this.declaredType } : {}),
    };
    if (type === 'integer' || type === 'number') {
      out.quantiles = this.numbers.quantiles(100);
      out.decimals = this.decimals;
      if (this.numberFormats.size) out.numberFormats = Object.fromEntries(this.numberFormats);
      out.unparsed = nonNull - t.integer - t.number;
    }
    if (type === 'date' || type === 'datetime') {
      out.quantiles = this.dates.quantiles(100);
      out.dateFormats = Object.fromEntries(this.dateFormats);
      out.unparsed = nonNull - t.date - t.datetime;
    }
    if (type === 'boolean') out.trueShare = this.trues / nonNull;
    if (this.values) out.categories = Object.fromEntries(this.values);
    if (this.strings > 0) {
      const s = this.strings;
      out.text = {
        sampled: s, avgLength: this.lenSum / s, maxLength: this.lenMax, minLength: this.lenMin, avgWords: this.words / s,
        emailShare: this.emails / s, phoneShare: this.phones / s, uuidShare: this.uuids / s,
        shapes: [...this.shapes].sort((a, b) => b[1] - a[1]).slice(0, 8),
      };
    }
    if (this.bloom && (type === 'integer' || type === 'string')) out.bloom = this.bloom;
    return out;
  }
}

function decimalsOf(x: number): number {
  const s = String(x);
  const i = s.indexOf('.');
  return i < 0 || s.includes('e') ? 0 : s.length - i - 1;
}
