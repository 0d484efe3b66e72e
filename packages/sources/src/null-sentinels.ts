/**
 * Text that legacy systems write for "no value". A profile counts these as nulls (and a compare
 * does too), so `"NULL"` stored as text is a null rate, not a category.
 */
export const NULL_SENTINELS: ReadonlySet<string> = new Set(['', 'NULL', 'null', 'Null', 'N/A', 'n/a', '\\N', 'NaN', 'None']);

/** True for null and for a null sentinel (after trimming). */
export function isNullish(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  return typeof v === 'string' && NULL_SENTINELS.has(v.trim());
}
