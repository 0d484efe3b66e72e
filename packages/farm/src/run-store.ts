import type { Redis } from 'ioredis';
import type { Spec } from '@synthfarm/spec';
import type { FarmKeys } from './keys.js';
import type { HostProgress, RunState, RunSummary } from './run-summary.js';
import { EVENT_STREAM_MAXLEN } from './farm-constants.js';
import { emptyDelta, emptyRunRecord, foldEvents, hostSummaries, runRates, type BackendDelta, type DatasetCommit, type HostStateEvent, type RunRecord } from '@synthfarm/engine';

/** What a run is, fixed at submission. The spec is stored with API keys as references only. */
export interface RunMeta {
  runId: string;
  createdAt: string;
  /** Absolute output directory on the coordinator's machine. */
  outDir: string;
  /**
   * For a run posted to the API: the server's `--out-root`. The coordinator then creates
   * `outDir` inside it without following any symbolic link (see openConfinedDir).
   */
  outRoot?: string | undefined;
  specSha256: string;
  source: string;
  spec: Spec;
  offline: boolean;
  maxCostUsd?: number | undefined;
  /** Most rejected records the run may have and still be `completed`. Default: no limit. */
  maxRejects?: number | undefined;
  schedule?: string | undefined;
  total: number;
  /** Route from no learned weights (`--fresh-weights`). */
  freshWeights?: boolean | undefined;
}


const EMPTY_COMMIT: DatasetCommit = { produced: 0, committed: 0, written: 0, rejected: 0, offsets: {} };

/** Runs and their progress in Redis. */
export class RunStore {
  constructor(private readonly redis: Redis, readonly keys: FarmKeys) {}

  async create(meta: RunMeta): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.run(meta.runId), { meta: JSON.stringify(meta), state: 'queued', updatedAt: meta.createdAt, done: 0, written: 0, rejected: 0 })
      .zadd(this.keys.runs, Date.parse(meta.createdAt), meta.runId)
      .publish(this.keys.submitted, meta.runId)
      .exec();
  }

  async meta(runId: string): Promise<RunMeta | undefined> {
    const raw = await this.redis.hget(this.keys.run(runId), 'meta');
    return raw ? (JSON.parse(raw) as RunMeta) : undefined;
  }

  async setState(runId: string, state: RunState, error?: string): Promise<void> {
    const fields: Record<string, string> = { state, updatedAt: new Date().toISOString() };
    if (error) fields.error = error;
    await this.redis.hset(this.keys.run(runId), fields);
    await this.publish(runId, state === 'running' || state === 'queued' ? 'progress' : 'end');
  }

  async datasetCommit(runId: string, d: number): Promise<DatasetCommit> {
    const raw = await this.redis.hget(this.keys.dataset(runId, d), 'commit');
    return raw ? (JSON.parse(raw) as DatasetCommit) : { ...EMPTY_COMMIT, offsets: {} };
  }

  async setProduced(runId: string, d: number, produced: number): Promise<void> {
    await this.redis.hset(this.keys.dataset(runId, d), 'produced', produced);
  }

  async produced(runId: string, d: number): Promise<number> {
    return Number((await this.redis.hget(this.keys.dataset(runId, d), 'produced')) ?? 0);
  }

  /**
   * Records a commit point atomically: the dataset's pointer and offsets, the run's counters,
   * the referenced values of the batch, the source keys it admitted. Called after the batch's bytes are on disk.
   */
  async commit(runId: string, d: number, c: DatasetCommit, delta: { done: number; written: number; rejected: number }, refs: Array<[field: string, values: unknown[]]>, sourceKeys: unknown[] = []): Promise<void> {
    const m = this.redis.multi().hset(this.keys.dataset(runId, d), 'commit', JSON.stringify(c));
    m.hincrby(this.keys.run(runId), 'done', delta.done).hincrby(this.keys.run(runId), 'written', delta.written).hincrby(this.keys.run(runId), 'rejected', delta.rejected);
    m.hset(this.keys.run(runId), 'updatedAt', new Date().toISOString());
    for (const [field, values] of refs) if (values.length) m.rpush(this.keys.refs(runId, field), JSON.stringify(values));
    if (sourceKeys.length) m.rpush(this.keys.sourceKeys(runId, d), JSON.stringify(sourceKeys));
    await m.exec();
    await this.publish(runId, 'progress');
  }

  /** Counts records never generated (the run stopped) as done and rejected. */
  async addSkipped(runId: string, n: number): Promise<void> {
    await this.redis.multi().hincrby(this.keys.run(runId), 'done', n).hincrby(this.keys.run(runId), 'rejected', n).exec();
  }

  /** The source keys dataset `d`'s committed batches admitted, in order. */
  async sourceKeys(runId: string, d: number): Promise<unknown[]> {
    const chunks = await this.redis.lrange(this.keys.sourceKeys(runId, d), 0, -1);
    return chunks.flatMap((c) => JSON.parse(c) as unknown[]);
  }

  /** Every written value of a referenced field, in order. */
  async refValues(runId: string, field: string): Promise<unknown[]> {
    const chunks = await this.redis.lrange(this.keys.refs(runId, field), 0, -1);
    return chunks.flatMap((c) => JSON.parse(c) as unknown[]);
  }

  /**
   * Stores the run's record (folded from its events by the coordinator) for `status`, SSE and
   * `/metrics`: per-host figures and rates come from committed batches only.
   */
  async setRecord(runId: string, record: RunRecord): Promise<void> {
    // Latency reservoirs stay with the coordinator: status shows none of them.
    const slim: RunRecord = { ...record, backends: {} };
    await this.redis.hset(this.keys.run(runId), 'record', JSON.stringify(slim));
    await this.publish(runId, 'progress');
  }

  async addBackendWork(runId: string, deltas: Record<string, BackendDelta>): Promise<void> {
    const m = this.redis.multi();
    for (const [name, d] of Object.entries(deltas)) for (const [k, v] of Object.entries(d)) if (v) m.hincrbyfloat(this.keys.backends(runId), `${name}|${k}`, v);
    await m.exec();
  }

  async backendTotals(runId: string): Promise<Record<string, BackendDelta>> {
    const raw = await this.redis.hgetall(this.keys.backends(runId));
    const out: Record<string, Record<string, number>> = {};
    for (const [k, v] of Object.entries(raw)) {
      const [name, field] = k.split('|') as [string, string];
      // Every field present, zeros included: a free backend still shows cost 0 in the manifest.
      (out[name] ??= { ...emptyDelta() })[field] = Number(v);
    }
    return out as unknown as Record<string, BackendDelta>;
  }

  /**
   * A worker's host changed state while it could not finish a batch of this run (a cooldown, and
   * its end): the event goes to the run's stream at once, and `status` folds it over the record.
   */
  async noteHostState(runId: string, e: HostStateEvent): Promise<void> {
    await this.redis.multi()
      .xadd(this.keys.eventStream(runId), 'MAXLEN', '~', EVENT_STREAM_MAXLEN, '*', 'e', JSON.stringify(e))
      .hset(this.keys.hostStates(runId), e.worker ?? e.host, JSON.stringify(e))
      .exec();
    await this.publish(runId, 'progress');
  }

  async summary(runId: string): Promise<RunSummary | undefined> {
    const [h, states, backends] = await Promise.all([this.redis.hgetall(this.keys.run(runId)), this.redis.hgetall(this.keys.hostStates(runId)), this.backendTotals(runId)]);
    if (!h.meta) return undefined;
    const meta = JSON.parse(h.meta) as RunMeta;
    const done = Number(h.done ?? 0);
    // Hosts and rates come from the run's record: committed batches only, so no rate before the
    // first commit and no host counted twice for work redone after a resume.
    const record = h.record ? (JSON.parse(h.record) as RunRecord) : emptyRunRecord();
    // Newer host states than the record's (by their time) win: a host on cooldown shows it now.
    for (const v of Object.values(states)) foldEvents(record, JSON.parse(v) as HostStateEvent);
    const hosts: Record<string, HostProgress> = hostSummaries(record);
    const state = (h.state ?? 'queued') as RunState;
    const rates = state === 'running' ? runRates(record, meta.total) : {};
    return {
      runId, state, createdAt: meta.createdAt, updatedAt: h.updatedAt ?? meta.createdAt, outDir: meta.outDir, specSha256: meta.specSha256,
      ...(meta.schedule ? { schedule: meta.schedule } : {}),
      total: meta.total, done, written: Number(h.written ?? 0), rejected: Number(h.rejected ?? 0),
      costUsd: Object.values(backends).reduce((n, b) => n + (b.cost ?? 0), 0),
      ...(rates.recordsPerSec !== undefined ? { recordsPerSec: rates.recordsPerSec, tokensPerSec: rates.tokensPerSec ?? 0, etaSeconds: rates.etaSeconds ?? 0 } : {}),
      hosts,
      ...(h.error ? { error: h.error } : {}),
    };
  }

  async list(limit = 50): Promise<RunSummary[]> {
    const ids = await this.redis.zrevrange(this.keys.runs, 0, limit - 1);
    return (await Promise.all(ids.map((id) => this.summary(id)))).filter((s): s is RunSummary => !!s);
  }

  private async publish(runId: string, type: 'progress' | 'end'): Promise<void> {
    await this.redis.publish(this.keys.events(runId), type);
  }
}
