import { performance } from 'node:perf_hooks';

/**
 * Waits until `performance.now()` reaches `target` (ms). Absolute targets keep a long stream on
 * schedule: each timer's lateness is absorbed by the next instead of adding up.
 * @returns true when the time came, false when `signal` aborted first.
 */
export function sleepUntil(target: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  const delay = target - performance.now();
  // Sub-millisecond waits are skipped: a timer cannot be that precise, and tests at 1e9 tokens/s
  // should not pay a timer tick per chunk.
  if (delay < 1) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, delay);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts (a hung request waits for its client to give up). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
