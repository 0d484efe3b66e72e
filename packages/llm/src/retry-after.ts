/**
 * Reads a server's requested delay from response headers, in milliseconds:
 * `retry-after-ms` (OpenAI and compatible servers; milliseconds), else `retry-after` as delay
 * seconds or as an HTTP date. Undefined when absent or unreadable; never negative.
 * @param now current time in ms since the epoch, for HTTP dates. Default `Date.now()`.
 */
export function parseRetryAfter(headers: Headers | undefined | null, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
