/**
 * Waits for `p` at most `ms` milliseconds: true when it settled (a rejection counts as settled),
 * false on timeout. For shutdown steps that talk to Redis: with Redis gone they never answer
 * (commands wait across reconnects), and stopping must not wait with them.
 */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, ms))));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
