import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '@synthfarm/api';
import { connectFarm, createFarmService, createFarmWorker, type FarmConnection, type FarmService, type FarmWorker, type RunSummary } from '@synthfarm/farm';
import { tempDir } from './support/cli.js';
import { killAll, startSim } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * `GET /runs/:id/events` end to end: a real HTTP client reading the stream of a real server in
 * front of a real farm service, on a private Redis, while an in-process worker runs the batches.
 */

const COUNT = 300;
// Slow enough (six model batches at 400 tokens/s) that the stream opens well before the end.
const SPEC = {
  version: 1,
  seed: 3,
  datasets: [{
    name: 'people', count: COUNT, batchSize: 50, recordsPerCall: 25,
    fields: { id: { kind: 'sequence', start: 1 }, bio: { kind: 'llm', prompt: 'one sentence about person {{id}}', maxLength: 80 } },
  }],
  stages: { generate: { backend: 'fast' } },
  backends: { fast: { provider: 'ollama', model: 'gemma3:4b', hosts: ['http://127.0.0.1:9'], slots: 2 } },
  output: { formats: ['csv'] },
};

interface SseEvent {
  type: string;
  run: RunSummary;
  /** Milliseconds since the stream opened. */
  at: number;
}

/** Reads a `text/event-stream` to its end with fetch, parsing `event:`/`data:` blocks as they arrive. */
async function readEvents(url: string, timeoutMs: number): Promise<SseEvent[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const t0 = Date.now();
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body!) {
    buf += decoder.decode(chunk as Uint8Array, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const type = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (type && data) events.push({ type, run: JSON.parse(data) as RunSummary, at: Date.now() - t0 });
    }
  }
  return events;
}

let redis: RedisHandle;
let farm: FarmConnection;
let service: FarmService;
let worker: FarmWorker;
let app: FastifyInstance;
let base: string;
let tmp: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  tmp = await tempDir('synthfarm-api-events-');
  redis = await startRedis();
  farm = await connectFarm(redis.url);
  const { url } = await startSim({ slots: 2, tokensPerSecond: 400 });
  worker = await createFarmWorker({ redisUrl: redis.url, host: { name: 'gpu1', url }, slots: 2 });
  service = createFarmService(farm);
  app = await createServer({ service, outRoot: tmp.dir, insecure: true });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await service?.close();
  await worker?.close();
  await farm?.close();
  await killAll();
  await redis?.stop();
  await tmp?.cleanup();
});

describe('GET /runs/:id/events with a real farm', () => {
  it('delivers progress with growing counts while the run goes, then end, and closes', async () => {
    const post = await fetch(`${base}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec: SPEC, out: 'events-run' }) });
    expect(post.status).toBe(201);
    const { runId } = (await post.json()) as { runId: string };

    const events = await readEvents(`${base}/runs/${runId}/events`, 30_000);
    const types = events.map((e) => e.type);
    expect(types.at(-1), `event types: ${types.join(',')}`).toBe('end');
    expect(types.filter((t) => t === 'end')).toHaveLength(1);
    expect(events.at(-1)!.run).toMatchObject({ runId, state: 'completed', done: COUNT, written: COUNT });

    // Live updates, not only the opening snapshot: several progress events after it, counts growing.
    const progress = events.filter((e) => e.type === 'progress');
    const live = progress.slice(1).filter((e) => e.run.done > 0 && e.run.done < COUNT);
    expect(live.length, `progress done counts: ${progress.map((e) => e.run.done).join(',')}`).toBeGreaterThanOrEqual(2);
    const counts = progress.map((e) => e.run.done);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
