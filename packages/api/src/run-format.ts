/**
 * How the runs pages show a run's numbers. Shared as is by the server (which renders the pages)
 * and the browser (which updates them from the event stream: the server serves this module's
 * compiled file at `/assets/run-format.js`), so a figure looks the same before and after an
 * update. No imports: it must run in a browser unchanged.
 */

/** Run states that may still change. */
export const ACTIVE_STATES: readonly string[] = ['queued', 'running'];

/** True while a run is queued or running. */
export function isActive(state: string): boolean {
  return ACTIVE_STATES.includes(state);
}

/** `12,345`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `45.2%` of records done (written or rejected); `0%` for an empty run. */
export function formatPercent(done: number, total: number): string {
  if (total <= 0) return '0%';
  const pct = Math.min(100, (done / total) * 100);
  return `${pct >= 10 || pct === 0 ? Math.floor(pct) : pct.toFixed(1)}%`;
}

/** `1,234 rec/s`, or an em dash when there is no rate (before the first commit, after the end). */
export function formatRate(recordsPerSec: number | undefined): string {
  if (recordsPerSec === undefined) return '—';
  return `${recordsPerSec >= 100 ? formatCount(recordsPerSec) : Number(recordsPerSec.toFixed(1))} rec/s`;
}

/** Dollars: `$0` for free (local) models, 4 decimals under a cent, else 2. */
export function formatCost(usd: number | undefined): string {
  if (!usd) return '$0';
  return `$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/** `2h 05m`, `3m 07s`, `42s`; an em dash when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `1.5 MB`, `820 B`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** `2026-05-01 18:32 UTC`: the server's rendering; the browser shows local time instead. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
