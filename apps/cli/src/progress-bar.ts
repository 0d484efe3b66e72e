import cliProgress from 'cli-progress';
import type { Progress } from '@synthfarm/engine';

/** What the run command reports progress through. */
export interface ProgressReporter {
  update(p: Progress): void;
  stop(): void;
}

/**
 * A progress bar on a terminal (records/s, ETA, rejects); nothing when stderr is not a TTY,
 * so logs and CI output stay clean.
 */
export function createProgressReporter(total: number, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {bar} {percentage}% | {value}/{total} records | {rate} rec/s | ETA {eta_formatted} | {tokens} tok/s | rejects {rejected} | {dataset}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0, { rate: 0, rejected: 0, dataset: '', tokens: 0 });
  return {
    update(p) {
      // Rates come from the run's record (committed batches of this session, the same in both
      // modes); a resumed farm run's earlier records do not inflate them.
      const secs = Math.max(0.001, (performance.now() - started) / 1000);
      bar.update(p.done, {
        rate: Math.round(p.recordsPerSec ?? p.done / secs),
        rejected: p.rejected,
        dataset: p.dataset,
        tokens: Math.round(p.tokensPerSec ?? (p.tokensOut ?? 0) / secs),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
