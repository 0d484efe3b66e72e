/**
 * Settings the producer (coordinator) and the consumer (worker) must agree on. They live here,
 * not in either side, so neither imports the other.
 */

/**
 * Attempts a batch gets before its records are rejected instead of retried. Only real failures
 * spend one: a batch handed back (host cooldown, worker draining) does not (see hand-back.ts).
 */
export const BATCH_ATTEMPTS = 6;
