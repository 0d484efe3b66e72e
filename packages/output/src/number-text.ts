/**
 * `String(v)` for a number, with a shortcut for what legacy money and measurements mostly are: a
 * value with at most two decimals (`2718.08`). Why: V8's number-to-text of a fractional value
 * (its shortest round-trip digits, and a cache of recent ones that such values keep missing)
 * was ~3.7% of a million-row migration's CPU under perf; the shortcut is integer arithmetic.
 *
 * It applies when `k = v × 100` is an integer below 10^15 with `k / 100 === v`: then `v` is the
 * double nearest the decimal k/100, and that decimal (trailing zeros dropped) is the shortest text
 * that reads back as `v` (two decimals of at most 15 significant digits name different doubles),
 * which is what `String` writes for values of this size. Everything else is `String(v)`.
 * test: number-text.test.ts holds it to `String` over integers, two-decimal values and others.
 */
export function numberText(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const k = v * 100;
  if (!Number.isInteger(k) || k / 100 !== v || k >= 1e15 || k <= -1e15) return String(v);
  const a = k < 0 ? -k : k;
  const whole = Math.floor(a / 100);
  const cents = a - whole * 100;
  const sign = k < 0 ? '-' : '';
  // cents > 0: v is not an integer.
  return cents % 10 === 0 ? `${sign}${whole}.${cents / 10}` : `${sign}${whole}.${cents < 10 ? '0' : ''}${cents}`;
}
