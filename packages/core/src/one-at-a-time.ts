/** A function made to run one call at a time (see {@link oneAtATime}). */
export interface OneAtATime<A extends unknown[], R> {
  (...args: A): Promise<R>;
  /** Settles when every call made so far has settled. */
  idle(): Promise<void>;
}

/**
 * `fn` made to run one call at a time, in the order of the calls: a call starts when the one
 * before it has settled (fulfilled or not). Each call's own result or failure is its own: a
 * failed call does not hold up or fail the ones after it. What waiters served in arrival order
 * (a rate limiter), a thread that validates one spec at a time and a code thread's queued batches
 * share.
 */
export function oneAtATime<A extends unknown[], R>(fn: (...args: A) => Promise<R>): OneAtATime<A, R> {
  let last: Promise<unknown> = Promise.resolve();
  const run = (...args: A): Promise<R> => {
    const mine = last.then(() => fn(...args));
    last = mine.catch(() => undefined);
    return mine;
  };
  return Object.assign(run, { idle: () => last.then(() => undefined) });
}
