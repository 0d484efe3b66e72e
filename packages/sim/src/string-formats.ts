import type { Rng } from './rng.js';
import { FIRST_NAMES, LAST_NAMES, NOUNS } from './word-lists.js';

/** JSON Schema `format` values the sim can produce; others fall back to prose. */
export const SUPPORTED_STRING_FORMATS = ['date', 'date-time', 'time', 'email', 'uuid', 'uri', 'url', 'hostname', 'ipv4'] as const;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Days in a month of a year (Gregorian), so generated dates are always real dates. */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function hex(rng: Rng, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += '0123456789abcdef'.charAt(rng.int(0, 15));
  return s;
}

/**
 * A string in a JSON Schema `format`, or undefined for an unsupported one. Shapes follow the
 * strict validators clients use (zod's ISO date / datetime, RFC 4122 v4 uuid).
 */
export function sampleStringFormat(rng: Rng, format: string): string | undefined {
  switch (format) {
    case 'date': {
      const y = rng.int(2015, 2025);
      const m = rng.int(1, 12);
      return `${y}-${pad(m)}-${pad(rng.int(1, daysIn(y, m)))}`;
    }
    case 'date-time': {
      const date = sampleStringFormat(rng, 'date') as string;
      return `${date}T${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}Z`;
    }
    case 'time':
      return `${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}`;
    case 'email':
      return `${rng.pick(FIRST_NAMES).toLowerCase()}.${rng.pick(LAST_NAMES).toLowerCase()}@example.com`;
    case 'uuid':
      // Version nibble 4 and variant 8..b: strict uuid validators check both.
      return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${'89ab'.charAt(rng.int(0, 3))}${hex(rng, 3)}-${hex(rng, 12)}`;
    case 'uri':
    case 'url':
      return `https://www.example.com/${rng.pick(NOUNS)}/${rng.int(1, 999)}`;
    case 'hostname':
      return `${rng.pick(NOUNS)}.example.com`;
    case 'ipv4':
      return `${rng.int(10, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
    default:
      return undefined;
  }
}
