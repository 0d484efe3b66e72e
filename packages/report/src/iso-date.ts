const DAY = 86_400_000;

/** Two or four decimal digits at `at`, or -1. */
function digits(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * `Date.parse(s)`, quicker for the forms the generator writes (`YYYY-MM-DD`,
 * `YYYY-MM-DDTHH:MM:SSZ`, `YYYY-MM-DDTHH:MM:SS.sssZ`, all UTC): the report parses every date a
 * run writes, and `Date.parse` costs several times the rest of a value's summary. Any other text
 * goes to `Date.parse`, so the result is always the same.
 */
export function parseIsoDate(s: string): number {
  const n = s.length;
  if ((n !== 10 && n !== 20 && n !== 24) || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return Date.parse(s);
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return Date.parse(s);
  const day = daysFromCivil(y, mo, d) * DAY;
  if (n === 10) return day;
  // T HH : MM : SS [. sss] Z
  if (s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(n - 1) !== 90) return Date.parse(s);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const se = digits(s, 17, 2);
  const ms = n === 24 ? (s.charCodeAt(19) === 46 ? digits(s, 20, 3) : -1) : 0;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59 || ms < 0) return Date.parse(s);
  return day + ((h * 60 + mi) * 60 + se) * 1000 + ms;
}
