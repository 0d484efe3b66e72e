/**
 * What a legacy text cell holds: a number (plain, decimal comma, thousands separators), a
 * boolean, a date or datetime in one of the common legacy formats, or text. Dates become epoch
 * milliseconds (UTC) so they can be sketched like numbers.
 */
export type Parsed =
  | { t: 'integer' | 'number'; v: number; decimals: number; format?: string }
  | { t: 'boolean'; v: boolean }
  | { t: 'date' | 'datetime'; v: number; format: string }
  | { t: 'string' };

const INT = /^[+-]?(0|[1-9]\d{0,15})$/;
const DEC = /^[+-]?\d+\.(\d+)$/;
const DEC_COMMA = /^[+-]?\d+,(\d{1,2})$/;
const THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.(\d+))?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const YMD_SLASH = /^(\d{4})\/(\d{2})\/(\d{2})$/;
const MON = /^(\d{1,2})[- ]([A-Za-z]{3})[- ](\d{4})$/;
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

/** `slashOrder`: how to read an ambiguous `03/04/2020` (evidence from the column so far). */
export function parseValue(s: string, slashOrder: 'dmy' | 'mdy' = 'dmy'): Parsed {
  const c = s.charCodeAt(0);
  const digitish = (c >= 48 && c <= 57) || c === 43 || c === 45;
  if (digitish) {
    if (INT.test(s)) return { t: 'integer', v: Number(s), decimals: 0 };
    let m = DEC.exec(s);
    if (m) return { t: 'number', v: Number(s), decimals: m[1]!.length };
    m = THOUSANDS.exec(s);
    if (m) return { t: Number.isInteger(Number(s.replace(/,/g, ''))) && !m[2] ? 'integer' : 'number', v: Number(s.replace(/,/g, '')), decimals: m[3]?.length ?? 0, format: 'thousands' };
    m = DEC_COMMA.exec(s);
    if (m) return { t: 'number', v: Number(s.replace(',', '.')), decimals: m[1]!.length, format: 'decimal-comma' };
    m = ISO_DATE.exec(s);
    if (m) return date(+m[1]!, +m[2]!, +m[3]!, 'YYYY-MM-DD');
    m = ISO_DATETIME.exec(s);
    if (m) {
      const ms = Date.parse(s.replace(' ', 'T') + (m[7] ? '' : 'Z'));
      if (!Number.isNaN(ms)) return { t: 'datetime', v: ms, format: 'ISO-8601' };
    }
    m = SLASH.exec(s);
    if (m) {
      const a = +m[1]!;
      const b = +m[2]!;
      const dmy = a > 12 || (b <= 12 && slashOrder === 'dmy');
      return dmy ? date(+m[3]!, b, a, 'DD/MM/YYYY') : date(+m[3]!, a, b, 'MM/DD/YYYY');
    }
    m = DOTTED.exec(s);
    if (m) return date(+m[3]!, +m[2]!, +m[1]!, 'DD.MM.YYYY');
    m = YMD_SLASH.exec(s);
    if (m) return date(+m[1]!, +m[2]!, +m[3]!, 'YYYY/MM/DD');
    m = MON.exec(s);
    if (m && MONTHS[m[2]!.toLowerCase()]) return date(+m[3]!, MONTHS[m[2]!.toLowerCase()]!, +m[1]!, 'DD-Mon-YYYY');
    // Leading zeros (`00123`) are codes, not numbers: a zip code or an account number keeps them.
    if (!/^[+-]?0\d/.test(s) && !Number.isNaN(Number(s)) && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return { t: 'number', v: Number(s), decimals: 0 };
    return { t: 'string' };
  }
  const lower = s.toLowerCase();
  if (lower === 'true' || lower === 'false') return { t: 'boolean', v: lower === 'true' };
  const m = MON.exec(s);
  if (m && MONTHS[m[2]!.toLowerCase()]) return date(+m[3]!, MONTHS[m[2]!.toLowerCase()]!, +m[1]!, 'DD-Mon-YYYY');
  return { t: 'string' };
}

function date(y: number, mo: number, d: number, format: string): Parsed {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return { t: 'string' };
  const ms = Date.UTC(y, mo - 1, d);
  if (new Date(ms).getUTCDate() !== d) return { t: 'string' }; // 31/02/2020
  return { t: 'date', v: ms, format };
}
