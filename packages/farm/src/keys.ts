/**
 * Redis key layout. Every key shares one hash tag (`{synthfarm}` by default) so a run's keys
 * and BullMQ's land in one slot: that is what makes Redis Cluster work (DESIGN §6).
 */
export const DEFAULT_PREFIX = '{synthfarm}';

export function farmKeys(prefix = DEFAULT_PREFIX) {
  const run = (id: string) => `${prefix}:run:${id}`;
  return {
    prefix,
    /** Sorted set of run ids by creation time. */
    runs: `${prefix}:runs`,
    /** Hash: meta (JSON), state, counters. */
    run,
    /** Hash of one dataset's commit state: produced, committed, offsets, counters. */
    dataset: (id: string, d: number) => `${run(id)}:ds:${d}`,
    /** A finished batch waiting for the aggregator (JSON, with a TTL). */
    result: (id: string, d: number, b: number) => `${run(id)}:res:${d}:${b}`,
    /** List the aggregator blocks on: a batch finished (a wake-up, not data). */
    done: (id: string) => `${run(id)}:done`,
    /** Written values of a referenced field, one JSON chunk per committed batch. */
    refs: (id: string, field: string) => `${run(id)}:ref:${field}`,
    /** Source keys a transform dataset's committed batches admitted (duplicate detection across a resume), one JSON chunk per batch. */
    sourceKeys: (id: string, d: number) => `${run(id)}:srckeys:${d}`,
    /**
     * Stream of the run's events (XADD, trimmed to about EVENT_STREAM_MAXLEN entries). Same name
     * as the pub/sub channel {@link events}: channels and keys are separate namespaces in Redis.
     */
    eventStream: (id: string) => `${run(id)}:events`,
    /** Hash: worker host name → its latest host_state event (JSON) in this run, written by the worker. */
    hostStates: (id: string) => `${run(id)}:hoststate`,
    /**
     * Hash of per-backend counters workers add as they spend (`<backend>|calls`, `|cost`, ...):
     * what the budget checks, redone work included. Reports read the run's record instead.
     */
    backends: (id: string) => `${run(id)}:backends`,
    /** USD the farm spent or holds in flight on a UTC day (`2025-06-01`): what `--max-daily-cost` caps. */
    dailySpend: (day: string) => `${prefix}:budget:day:${day}`,
    /** The farm's cap on a day's spending, in USD (set by `--max-daily-cost`); absent: none. */
    dailyCap: `${prefix}:budget:daily-cap`,
    /** Pub/sub channel of progress events. */
    events: (id: string) => `${run(id)}:events`,
    /**
     * The run id of an {@link events} channel name, or undefined for any other channel. Parsed
     * with the known prefix and suffix, so ids of any length (and ids holding `:`) round-trip.
     */
    runOfEvents(channel: string): string | undefined {
      const head = `${prefix}:run:`;
      const tail = ':events';
      if (!channel.startsWith(head) || !channel.endsWith(tail) || channel.length <= head.length + tail.length) return undefined;
      return channel.slice(head.length, -tail.length);
    },
    /** Hash of a schedule's firings: `last` (JSON of the newest firing), `lastSuccessAt` (ISO-8601). */
    schedule: (name: string) => `${prefix}:schedule:${name}`,
    /** List of the output directory names a schedule's firings created, newest first (what `keep` prunes). */
    scheduleDirs: (name: string) => `${prefix}:schedule:${name}:dirs`,
    /** Hash of learned routing weights shared by the farm: arm (`dataset/field/provider:model`) → JSON state. */
    routingWeights: `${prefix}:routing:weights`,
    /** The weights a run started from (JSON; '' for none), so a resume routes as the first coordinator did. */
    runWeights: (id: string) => `${run(id)}:weights`,
    /** Pub/sub channel: a run was submitted (its id), so workers ready themselves for it before its first batch. */
    submitted: `${prefix}:runs:submitted`,
    /** Hash of live workers: name → JSON {host, url, models, slots, pid, seenAt}. */
    workers: `${prefix}:workers`,
  };
}
export type FarmKeys = ReturnType<typeof farmKeys>;
