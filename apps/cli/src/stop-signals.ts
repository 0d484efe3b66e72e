import { ExitCode, RunInterrupted } from '@synthfarm/core';

/** A run's stop signal, aborted by the first SIGINT or SIGTERM with a {@link RunInterrupted} reason. */
export interface StopSignals {
  signal: AbortSignal;
  /** Removes the handlers (the default behaviour of the signals returns). */
  dispose(): void;
}

/**
 * Turns SIGINT / SIGTERM into an abort of the work in progress, which then cleans up (no temp
 * files or staging left) and exits 130 / 143 with one line from `message`. A second signal exits
 * at once with the same code, as shells and most CLIs do.
 */
export function stopOnSignals(message: (signal: 'SIGINT' | 'SIGTERM') => string): StopSignals {
  const controller = new AbortController();
  const handler = (sig: 'SIGINT' | 'SIGTERM') => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? ExitCode.Interrupted : ExitCode.Terminated);
    controller.abort(new RunInterrupted(sig, message(sig)));
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/**
 * Settles at the first SIGINT or SIGTERM, listening from the call on: what a long-running command
 * (worker, serve, sim) awaits. Call it before the line that says the process is up. Said first,
 * a supervisor (or a test) reading that line could send SIGTERM before the handler was there, and
 * the signal's default action killed the process without its drain: seen once in a full test run
 * on two busy cores (`farm-worker-redis-gone`, the worker's stderr ending at "serving").
 */
export function firstStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
