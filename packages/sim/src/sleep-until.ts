import { performance } from 'node:perf_hooks';

/**
 * Waits until `performance.now()` reaches `target` (ms). Absolute targets keep a long stream on
 * schedule: each timer's lateness is absorbed by the next instead of adding up.
 * @returns true when the time came, false when `signal` aborted first.
 */
export function sleepUntil(target: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (target - performance.now() <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout;
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    // Node's timers count from a cached loop time and can fire a fraction of a millisecond
    // before `target` by performance.now(); never wake early: wait again for what is left.
    const arm = (): void => {
      const left = target - performance.now();
      if (left <= 0) {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
        return;
      }
      timer = setTimeout(arm, Math.ceil(left));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/** Resolves when `signal` aborts (a hung request waits for its client to give up). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
