/** Ollama keeps a model loaded for 5 minutes after its last request unless told otherwise. */
export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/**
 * Parses a request's `keep_alive` the way Ollama does: a number is seconds, a string is a Go
 * duration ("5m", "1h30m", "300ms") or a number of seconds, and a negative value means forever.
 * @returns milliseconds, `Infinity` for forever, or the 5-minute default when absent or unreadable.
 */
export function parseKeepAlive(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 0 ? Infinity : value * 1000;
  if (typeof value !== 'string' || value.trim() === '') return DEFAULT_KEEP_ALIVE_MS;
  const s = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return parseKeepAlive(Number(s));
  const negative = s.startsWith('-');
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|\u00b5s|ns)/gy;
  const body = negative || s.startsWith('+') ? s.slice(1) : s;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    consumed = re.lastIndex;
  }
  if (consumed !== body.length || consumed === 0) return DEFAULT_KEEP_ALIVE_MS;
  return negative ? Infinity : total;
}
