import type { EmpiricalFieldSpec } from './field-schema.js';

/** What an `empirical` field writes: numbers, `YYYY-MM-DD` dates, ISO datetimes, or its weights' keys as strings / numbers / booleans. */
export type EmpiricalOutput = 'number' | 'date' | 'datetime' | 'string' | 'boolean';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The type of value an `empirical` field writes (see {@link EmpiricalOutput}). */
export function empiricalOutput(f: EmpiricalFieldSpec): EmpiricalOutput {
  if (f.quantiles) {
    if (f.quantiles.every((q) => typeof q === 'number')) return 'number';
    return f.quantiles.every((q) => typeof q === 'string' && DAY.test(q)) ? 'date' : 'datetime';
  }
  return f.type ?? 'string';
}

/** The values an `empirical` field with `weights` may write, typed as written. */
export function empiricalValues(f: EmpiricalFieldSpec): Array<string | number | boolean> {
  const keys = Object.keys(f.weights ?? {});
  if (f.type === 'number') return keys.map(Number);
  if (f.type === 'boolean') return keys.map((k) => k === 'true');
  return keys;
}
