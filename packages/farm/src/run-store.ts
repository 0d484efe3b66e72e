import type { Redis } from 'ioredis';
import type { Spec } from '@synthfarm/spec';
import type { FarmKeys } from './keys.js';
import type { HostProgress, RunState, RunSummary } from './run-summary.js';
import { emptyDelta, type BackendDelta, type DatasetCommit } from '@synthfarm/engine';

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
   * the referenced values of the batch. Called after the batch's bytes are on disk.
   */
  async commit(runId: string, d: number, c: DatasetCommit, delta: { done: number; written: number; rejected: number }, refs: Array<[field: string, values: unknown[]]>): Promise<void> {
    const m = this.redis.multi().hset(this.keys.dataset(runId, d), 'commit', JSON.stringify(c));
    m.hincrby(this.keys.run(runId), 'done', delta.done).hincrby(this.keys.run(runId), 'written', delta.written).hincrby(this.keys.run(runId), 'rejected', delta.rejected);
    m.hset(this.keys.run(runId), 'updatedAt', new Date().toISOString());
    for (const [field, values] of refs) if (values.length) m.rpush(this.keys.refs(runId, field), JSON.stringify(values));
    await m.exec();
    await this.publish(runId, 'progress');
  }

  /** Counts records never generated (the run stopped) as done and rejected. */
  async addSkipped(runId: string, n: number): Promise<void> {
    await this.redis.multi().hincrby(this.keys.run(runId), 'done', n).hincrby(this.keys.run(runId), 'rejected', n).exec();
  }

  /** Every written value of a referenced field, in order. */
  async refValues(runId: string, field: string): Promise<unknown[]> {
    const chunks = await this.redis.lrange(this.keys.refs(runId, field), 0, -1);
    return chunks.flatMap((c) => JSON.parse(c) as unknown[]);
  }

  async addHostWork(runId: string, host: string, records: number, tokensOut: number, busyMs: number): Promise<void> {
    await this.redis.multi()
      .hincrby(this.keys.hosts(runId), `${host}|records`, records)
      .hincrby(this.keys.hosts(runId), `${host}|tokensOut`, tokensOut)
      .hincrbyfloat(this.keys.hosts(runId), `${host}|busyMs`, busyMs)
      .exec();
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

  async summary(runId: string): Promise<RunSummary | undefined> {
    const [h, hostsRaw] = await Promise.all([this.redis.hgetall(this.keys.run(runId)), this.redis.hgetall(this.keys.hosts(runId))]);
    if (!h.meta) return undefined;
    const meta = JSON.parse(h.meta) as RunMeta;
    const done = Number(h.done ?? 0);
    const hosts: Record<string, HostProgress> = {};
    for (const [k, v] of Object.entries(hostsRaw)) {
      const [host, field] = k.split('|') as [string, string];
      const hp = (hosts[host] ??= { records: 0, tokensOut: 0, busyMs: 0, recordsPerSec: 0, circuit: 'closed' });
      (hp as unknown as Record<string, number>)[field] = Number(v);
    }
    const elapsed = Math.max(0.001, (Date.parse(h.updatedAt ?? meta.createdAt) - Date.parse(meta.createdAt)) / 1000);
    for (const hp of Object.values(hosts)) hp.recordsPerSec = Math.round((hp.records / elapsed) * 10) / 10;
    const rate = done / elapsed;
    const state = (h.state ?? 'queued') as RunState;
    return {
      runId, state, createdAt: meta.createdAt, updatedAt: h.updatedAt ?? meta.createdAt, outDir: meta.outDir, specSha256: meta.specSha256,
      ...(meta.schedule ? { schedule: meta.schedule } : {}),
      total: meta.total, done, written: Number(h.written ?? 0), rejected: Number(h.rejected ?? 0),
      ...(state === 'running' && rate > 0 ? { etaSeconds: Math.round((meta.total - done) / rate) } : {}),
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
