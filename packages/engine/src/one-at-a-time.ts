/**
 * `fn` made to run one call at a time, in the order of the calls: a call starts when the one
 * before it has settled (fulfilled or not). Each call's own result or failure is its own.
 */
export function oneAtATime<A, R>(fn: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (arg) => {
    const mine = last.then(() => fn(arg));
    last = mine.catch(() => undefined);
    return mine;
  };
}
