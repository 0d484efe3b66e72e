import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '@synthfarm/core';
import type { Progress } from '@synthfarm/engine';
import { createProgressReporter, formatBarLine, formatEta, progressEveryMs, type ProgressView } from './progress-bar.js';

/** A stream that records what is written; `isTTY`/`columns` as a terminal or a pipe reports them. */
function fakeStream(tty: boolean, columns?: number): NodeJS.WriteStream & { text: () => string } {
  let out = '';
  const s = {
    isTTY: tty,
    columns,
    write: (chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    },
    cursorTo: (_x: number, _y?: number, cb?: () => void) => (cb?.(), true),
    clearLine: (_d: number, cb?: () => void) => (cb?.(), true),
    moveCursor: (_dx: number, _dy: number, cb?: () => void) => (cb?.(), true),
    on: () => s,
    once: () => s,
    removeListener: () => s,
    text: () => out,
  };
  return s as unknown as NodeJS.WriteStream & { text: () => string };
}

const BIG: ProgressView = { dataset: 'customers_with_a_long_name', done: 4_567_890, total: 10_000_000, rejected: 123_456, recordsPerSec: 12_345.6, tokensPerSec: 98_765.4, etaSeconds: 3 * 3600 + 25 * 60 };

function progress(done: number, over: Partial<Progress> = {}): Progress {
  return { dataset: 'people', done, total: 1000, written: done, rejected: 0, recordsPerSec: 250, tokensPerSec: 4000, etaSeconds: (1000 - done) / 250, ...over };
}

describe('formatBarLine', () => {
  it.each([80, 100, 60, 40, 200])('fits a %i-column terminal, with the biggest figures', (columns) => {
    const line = formatBarLine(BIG, columns);
    expect(line.length).toBeLessThanOrEqual(columns - 1);
    expect(line).toMatch(/^[\u2588\u2591]{10,40} +45% \| 4567890\/10000000/);
  });

  it('at 80 columns keeps percent, counts, rate and ETA, dropping the least important figures first', () => {
    const line = formatBarLine(BIG, 80);
    expect(line).toContain('12346 rec/s');
    expect(line).toContain('ETA 3h25m');
    expect(line).not.toContain('customers_with_a_long_name');
  });

  it('shows everything with a 40-character bar when there is room', () => {
    const v: ProgressView = { dataset: 'people', done: 250, total: 1000, rejected: 3, recordsPerSec: 50, tokensPerSec: 900, etaSeconds: 15 };
    expect(formatBarLine(v, 120)).toBe(`${'\u2588'.repeat(10)}${'\u2591'.repeat(30)}  25% | 250/1000 | 50 rec/s | ETA 15s | rej 3 | 900 tok/s | people`);
  });
});

describe('formatEta', () => {
  it.each([[0, '0s'], [42.4, '42s'], [185, '3m05s'], [3720, '1h02m']])('%s s → %s', (s, text) => {
    expect(formatEta(s)).toBe(text);
  });
});

describe('createProgressReporter on a terminal', () => {
  it('redraws a bar that never passes the 80th column', () => {
    const stream = fakeStream(true, 80);
    const r = createProgressReporter(10_000_000, { stream });
    r.update({ dataset: BIG.dataset, done: BIG.done, total: BIG.total, written: BIG.done, rejected: BIG.rejected, recordsPerSec: BIG.recordsPerSec, tokensPerSec: BIG.tokensPerSec, etaSeconds: BIG.etaSeconds });
    r.stop();
    // eslint-disable-next-line no-control-regex
    const lines = stream.text().replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '\n').split(/[\r\n]/).filter((l) => l.trim());
    expect(lines.some((l) => l.includes('4567890/10000000'))).toBe(true);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(79);
  });
});

describe('createProgressReporter when stderr is not a terminal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes a line every interval, then a last one at the end', () => {
    const stream = fakeStream(false);
    const r = createProgressReporter(1000, { stream, everyMs: 5000 });
    r.update(progress(100));
    vi.advanceTimersByTime(4999);
    expect(stream.text()).toBe('');
    vi.advanceTimersByTime(1);
    expect(stream.text()).toBe('synthfarm: progress 100/1000 (10%) | 250 rec/s | ETA 4s | 4000 tok/s | 0 rejected | people\n');
    r.update(progress(600, { rejected: 2 }));
    vi.advanceTimersByTime(5000);
    r.update(progress(1000, { rejected: 2, etaSeconds: 0 }));
    r.stop();
    expect(stream.text().split('\n').filter(Boolean)).toEqual([
      'synthfarm: progress 100/1000 (10%) | 250 rec/s | ETA 4s | 4000 tok/s | 0 rejected | people',
      'synthfarm: progress 600/1000 (60%) | 250 rec/s | ETA 2s | 4000 tok/s | 2 rejected | people',
      'synthfarm: progress 1000/1000 (100%) | 250 rec/s | ETA 0s | 4000 tok/s | 2 rejected | people',
    ]);
    // No escape codes, no carriage returns: a log stays readable.
    expect(stream.text()).not.toMatch(/[\r\x1b]/);
  });

  it('a run shorter than the interval prints nothing (its summary says it all)', () => {
    const stream = fakeStream(false);
    const r = createProgressReporter(1000, { stream, everyMs: 5000 });
    r.update(progress(1000));
    vi.advanceTimersByTime(4000);
    r.stop();
    expect(stream.text()).toBe('');
  });

  it('everyMs 0 prints nothing', () => {
    const stream = fakeStream(false);
    const r = createProgressReporter(1000, { stream, everyMs: 0 });
    r.update(progress(10));
    vi.advanceTimersByTime(60_000);
    r.stop();
    expect(stream.text()).toBe('');
  });
});

describe('progressEveryMs', () => {
  it.each([[undefined, 5000], ['', 5000], ['2.5', 2500], ['0', 0]])('%s → %i ms', (raw, ms) => {
    expect(progressEveryMs(raw === undefined ? {} : { SYNTHFARM_PROGRESS_EVERY: raw })).toBe(ms);
  });

  it.each(['soon', '-1', 'Infinity'])("refuses '%s' with a usage error naming the variable", (raw) => {
    expect(() => progressEveryMs({ SYNTHFARM_PROGRESS_EVERY: raw })).toThrow(UsageError);
    expect(() => progressEveryMs({ SYNTHFARM_PROGRESS_EVERY: raw })).toThrow(`SYNTHFARM_PROGRESS_EVERY: must be a number of seconds >= 0 (0 turns progress lines off), got '${raw}'`);
  });
});
