const DAY = 86_400_000;

/** Two decimal digits at `at` of `s`, or -1. */
function two(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The instants of a batch's date texts, into `out` (NaN where a value is not a string or not a
 * date): `Date.parse` of each, quicker for the forms the generator writes (`YYYY-MM-DD`,
 * `YYYY-MM-DDTHH:MM:SS` with `Z`, milliseconds or a `±HH:MM` offset). Any other text goes to
 * `Date.parse`, so the result is always the same. One loop over the batch, so the JIT compiles it
 * once (within a thread's first batch); `Date.parse` alone costs several times the rest of a
 * value's summary. Returns how many values are dates.
 */
export function parseIsoDates(vals: readonly unknown[], n: number, out: Float64Array): number {
  let dates = 0;
  for (let k = 0; k < n; k++) {
    const s = vals[k];
    if (typeof s !== 'string') {
      out[k] = NaN;
      continue;
    }
    const len = s.length;
    let t = NaN;
    if (len >= 10 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45) {
      const y1 = two(s, 0);
      const y2 = two(s, 2);
      const y = y1 < 0 || y2 < 0 ? -1 : y1 * 100 + y2;
      const mo = two(s, 5);
      const d = two(s, 8);
      // A day the month has (y < 0: a digit was not one).
      if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && (d <= 28 || d <= (mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31))) {
        // Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
        const yy = mo <= 2 ? y - 1 : y;
        const era = Math.floor(yy / 400);
        const yoe = yy - era * 400;
        const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
        const day = (era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468) * DAY;
        if (len === 10) t = day;
        else if (len >= 20 && s.charCodeAt(10) === 84 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) {
          // T HH : MM : SS [. sss] (Z | ±HH:MM)
          const h = two(s, 11);
          const mi = two(s, 14);
          const se = two(s, 17);
          let at = 19;
          let ms = 0;
          if (s.charCodeAt(19) === 46 && len >= 24) {
            const m3 = s.charCodeAt(22) - 48;
            ms = m3 >= 0 && m3 <= 9 ? two(s, 20) * 10 + m3 : -1;
            at = 23;
          }
          // The zone: Z, or an offset east of UTC in milliseconds; NaN for anything else.
          const z = s.charCodeAt(at);
          let offset = NaN;
          if (z === 90 && len === at + 1) offset = 0;
          else if ((z === 43 || z === 45) && len === at + 6 && s.charCodeAt(at + 3) === 58) {
            const oh = two(s, at + 1);
            const om = two(s, at + 4);
            if (oh >= 0 && oh <= 23 && om >= 0 && om <= 59) offset = (z === 43 ? 60_000 : -60_000) * (oh * 60 + om);
          }
          if (h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && se >= 0 && se <= 59 && ms >= 0) t = day + ((h * 60 + mi) * 60 + se) * 1000 + ms - offset;
        }
      }
    }
    if (t !== t) t = Date.parse(s);
    out[k] = t;
    dates += t === t ? 1 : 0;
  }
  return dates;
}

// Every form is parsed once as the module loads: the JIT then compiles the loop for all of them,
// instead of for the first dataset's form only, to throw that code away at the next dataset's.
parseIsoDates(['2000-01-01', '2000-01-01T00:00:00Z', '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00+01:00', '2000-01-01T00:00:00-01:00', 'x', 0], 7, new Float64Array(7));

const one: unknown[] = [''];
const oneOut = new Float64Array(1);

/** `Date.parse(s)`, quicker for the forms the generator writes (see {@link parseIsoDates}). */
export function parseIsoDate(s: string): number {
  one[0] = s;
  parseIsoDates(one, 1, oneOut);
  return oneOut[0]!;
}
