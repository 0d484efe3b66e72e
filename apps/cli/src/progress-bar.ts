import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import { UsageError } from '@synthfarm/core';
import type { Progress } from '@synthfarm/engine';

/** Env var: seconds between progress lines when stderr is not a terminal (0 turns them off). Named once. */
export const PROGRESS_EVERY_ENV = 'SYNTHFARM_PROGRESS_EVERY';

/** Seconds between progress lines when stderr is not a terminal, unless {@link PROGRESS_EVERY_ENV} says otherwise. */
export const DEFAULT_PROGRESS_EVERY_S = 5;

/** Width the bar is drawn for when the stream does not say (a terminal of unknown size). */
const DEFAULT_COLUMNS = 80;
const MIN_BAR = 10;
const MAX_BAR = 40;

/** What the run command reports progress through. */
export interface ProgressReporter {
  update(p: Progress): void;
  stop(): void;
}

/** The figures a progress line shows, rates already resolved. */
export interface ProgressView {
  dataset: string;
  done: number;
  total: number;
  rejected: number;
  recordsPerSec: number;
  tokensPerSec: number;
  etaSeconds?: number | undefined;
}

/** `42s`, `3m05s`, `1h02m`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function percent(v: ProgressView): number {
  return v.total > 0 ? Math.min(100, Math.floor((v.done / v.total) * 100)) : 0;
}

/** The parts of a line, most important first; the bar drops from the end what does not fit. */
function parts(v: ProgressView): string[] {
  return [
    `${String(percent(v)).padStart(3)}%`,
    `${v.done}/${v.total}`,
    `${Math.round(v.recordsPerSec)} rec/s`,
    v.etaSeconds === undefined ? 'ETA -' : `ETA ${formatEta(v.etaSeconds)}`,
    `rej ${v.rejected}`,
    `${Math.round(v.tokensPerSec)} tok/s`,
    v.dataset,
  ].filter(Boolean);
}

/**
 * One terminal line: a bar and the figures, at most `columns - 1` characters (the last column
 * stays free: writing into it makes some terminals wrap). The bar takes what the figures leave,
 * 10 to 40 characters; figures that do not fit beside a 10-character bar are left out from the
 * least important (dataset, tokens/s, rejects, ETA).
 */
export function formatBarLine(v: ProgressView, columns: number): string {
  const width = Math.max(20, columns) - 1;
  const shown = parts(v);
  let text = shown.join(' | ');
  while (shown.length > 2 && MIN_BAR + 1 + text.length > width) {
    shown.pop();
    text = shown.join(' | ');
  }
  const bar = Math.max(MIN_BAR, Math.min(MAX_BAR, width - 1 - text.length));
  const filled = v.total > 0 ? Math.round((Math.min(v.done, v.total) / v.total) * bar) : 0;
  return `${'\u2588'.repeat(filled)}${'\u2591'.repeat(bar - filled)} ${text}`.slice(0, width);
}

/** A log line for a stream that is not a terminal: `synthfarm: progress 450/1000 (45%) | ...`. */
export function formatLogLine(v: ProgressView): string {
  const eta = v.etaSeconds === undefined ? '' : ` | ETA ${formatEta(v.etaSeconds)}`;
  return `synthfarm: progress ${v.done}/${v.total} (${percent(v)}%) | ${Math.round(v.recordsPerSec)} rec/s${eta} | ${Math.round(v.tokensPerSec)} tok/s | ${v.rejected} rejected${v.dataset ? ` | ${v.dataset}` : ''}\n`;
}

/**
 * Reads {@link PROGRESS_EVERY_ENV} (seconds, ≥ 0; a fraction is fine) into milliseconds.
 * @throws UsageError (exit 2) naming the variable and the rule.
 */
export function progressEveryMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[PROGRESS_EVERY_ENV];
  if (raw === undefined || raw.trim() === '') return DEFAULT_PROGRESS_EVERY_S * 1000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0) throw new UsageError(`${PROGRESS_EVERY_ENV}: must be a number of seconds >= 0 (0 turns progress lines off), got '${raw}'`);
  return Math.round(s * 1000);
}

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /** Where progress goes. Default process.stderr (stdout keeps the `--json` summary clean). */
  stream?: NodeJS.WriteStream;
  /**
   * When the stream is not a terminal: milliseconds between progress lines, the first one
   * after that long (a short run prints none), and a last line at the end if any was printed.
   * 0 prints none. Default from {@link PROGRESS_EVERY_ENV}, else 5000.
   */
  everyMs?: number;
}

/**
 * Progress of a run. On a terminal: a bar redrawn in place that fits the terminal's width
 * (80 columns when it does not say). Elsewhere (a pipe, a CI log): a plain line every few
 * seconds, so a long run shows it is alive without filling the log with redraws.
 */
export function createProgressReporter(total: number, opts: ProgressReporterOptions = {}): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const started = performance.now();
  let view: ProgressView = { dataset: '', done: 0, total, rejected: 0, recordsPerSec: 0, tokensPerSec: 0 };
  const toView = (p: Progress): ProgressView => {
    // Rates come from the run's record (committed batches of this session, the same in both
    // modes); a resumed farm run's earlier records do not inflate them.
    const secs = Math.max(0.001, (performance.now() - started) / 1000);
    return {
      dataset: p.dataset, done: p.done, total: p.total, rejected: p.rejected,
      recordsPerSec: p.recordsPerSec ?? p.done / secs,
      tokensPerSec: p.tokensPerSec ?? (p.tokensOut ?? 0) / secs,
      etaSeconds: p.etaSeconds,
    };
  };

  if (stream.isTTY) {
    // Required for a terminal only: a run whose stderr is a pipe (a CI log, a farm coordinator
    // under a supervisor) does not load it (~6 ms of its start).
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;
    const bar = new cliProgress.SingleBar({
      stream,
      format: (_o: unknown, params: { maxWidth: number }) => formatBarLine(view, params.maxWidth || DEFAULT_COLUMNS),
      hideCursor: true,
      linewrap: false,
      fps: 5,
    });
    bar.start(total, 0);
    return {
      update(p) {
        view = toView(p);
        bar.update(p.done);
      },
      stop() {
        bar.stop();
      },
    };
  }

  const everyMs = opts.everyMs ?? progressEveryMs();
  if (everyMs <= 0) return { update: () => undefined, stop: () => undefined };
  let printed = false;
  let last = '';
  const timer = setInterval(() => {
    const line = formatLogLine(view);
    // A stalled run says so once per interval; an unchanged line is still a sign of life.
    stream.write(line);
    printed = true;
    last = line;
  }, everyMs);
  timer.unref();
  return {
    update(p) {
      view = toView(p);
    },
    stop() {
      clearInterval(timer);
      const line = formatLogLine(view);
      if (printed && line !== last) stream.write(line);
    },
  };
}
