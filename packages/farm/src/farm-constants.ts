/**
 * Settings the producer (coordinator) and the consumer (worker) must agree on. They live here,
 * not in either side, so neither imports the other.
 */

/**
 * Attempts a batch gets before its records are rejected instead of retried. Only real failures
 * spend one: a batch handed back (host cooldown, worker draining) does not (see hand-back.ts).
 */
export const BATCH_ATTEMPTS = 6;

/**
 * Entries a run's event stream keeps, about (Redis trims with \`MAXLEN ~\`, whole macro nodes at a
 * time, so a little more may stay). At one batch_committed and a few backend_call events per
 * batch this is the last few thousand batches: enough for live views, while Redis memory stays
 * bounded whatever the run's size. The complete log is the run's \`events.jsonl\`.
 */
export const EVENT_STREAM_MAXLEN = 10_000;
