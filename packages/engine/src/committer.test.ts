import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSpecText } from '@synthfarm/spec';
import { createBatchProcessor } from './batch-processor.js';
import type { BatchExecutor } from './batch-executor.js';
import type { BatchOutput } from './batch-output.js';
import { createCodegenPool } from './codegen-pool.js';
import { runCommitter } from './committer.js';
import { createMemoryRunState } from './memory-run-state.js';
import type { Progress } from './progress.js';

const SPEC = 'name: people\ncount: 40\nbatchSize: 5\nfields:\n  id: { kind: sequence, start: 1 }\n  first: { kind: choice, values: [ann, bob] }\n  email: { kind: template, template: "{{first}}@example.com", unique: true }\n';
const dirs: string[] = [];
afterEach(async () => Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))));

/**
 * Runs the committer with an executor that finishes batches in reverse order and reports model
 * tokens per batch, as a farm of slow and fast workers would.
 */
async function run(order: 'in-order' | 'reversed', window: (d: number) => number | Promise<number> = () => 4): Promise<{ csv: string; progress: Progress[]; inFlight: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'synthfarm-committer-'));
  dirs.push(dir);
  const { spec, sha256 } = parseSpecText(SPEC, 'people.yaml', { env: {}, overrides: { outDir: dir } });
  const pool = createCodegenPool(0);
  const processor = createBatchProcessor({ spec, specKey: sha256, pool, stages: [] });
  const state = createMemoryRunState(spec);
  const pending = new Map<number, Promise<BatchOutput>>();
  const inFlight: number[] = [];
  const executor: BatchExecutor = {
    async dispatch(jobs) {
      const list = order === 'reversed' ? [...jobs].reverse() : jobs;
      for (const j of list) pending.set(j.batch, processor.process(j, await state.refColumns(j.dataset), new AbortController().signal).then((o) => ({ ...o, backends: { fast: { calls: 1, failures: 0, retries: 0, cacheHits: 0, tokensIn: 5, tokensOut: 7, cost: 0 } } })));
      inFlight.push(pending.size);
    },
    take: (j) => pending.get(j.batch)!,
    release: async (j) => void pending.delete(j.batch),
    discard: async (js) => js.forEach((j) => pending.delete(j.batch)),
    close: async () => undefined,
  };
  const progress: Progress[] = [];
  const { failure } = await runCommitter({
    runId: 'r1', mode: 'embedded', spec, specSha256: sha256, specKey: sha256, offline: false, dir, startedAt: new Date(),
    state, executor, pool, window, backends: () => ({}), audit: false, onProgress: (p) => progress.push(p),
  });
  expect(failure).toBeUndefined();
  return { csv: await readFile(join(dir, 'people.csv'), 'utf8'), progress, inFlight };
}

describe('the committer (both executors go through it)', () => {
  it('writes the same bytes whatever order batches finish in; unique templates get suffixes once', async () => {
    const a = await run('in-order');
    const b = await run('reversed');
    expect(b.csv).toBe(a.csv);
    const emails = a.csv.trimEnd().split(/\r?\n/).slice(1).map((l) => l.split(',')[2]);
    expect(new Set(emails).size).toBe(40);
    expect(emails.filter((e) => /^(ann|bob)\d+@example\.com$/.test(e!)).length).toBe(38);
  });

  it('progress carries the tokens of the committed batches (the farm bar showed 0 tok/s)', async () => {
    const { progress } = await run('reversed');
    expect(progress.map((p) => p.tokensOut)).toEqual(Array.from({ length: 8 }, (_, i) => 7 * (i + 1)));
    expect(progress.at(-1)).toMatchObject({ done: 40, written: 40, rejected: 0, total: 40 });
  });

  it('follows a window that changes mid-dataset (farm workers joining: 1 batch in flight, then 4)', async () => {
    let asked = 0;
    // Workers join after the second round: the window grows from 1 to 4, and may be async.
    const { csv, inFlight } = await run('in-order', async () => (++asked > 2 ? 4 : 1));
    expect(inFlight.slice(0, 2)).toEqual([1, 1]);
    expect(Math.max(...inFlight)).toBe(4);
    expect(csv).toBe((await run('in-order')).csv);
  });
});

describe('refill: true through the committer', () => {
  const REFILL = 'name: people\ncount: 40\nbatchSize: 5\nrefill: true\nfields:\n  id: { kind: sequence, start: 0 }\n  first: { kind: choice, values: [ann, bob] }\n  email: { kind: template, template: "{{first}}@example.com", unique: true }\n';

  /**
   * Runs (or resumes, with the same state and dir) a refill dataset whose records with index % 7 == 3
   * are rejected, as an executor whose model failed them would report; `stopAt` aborts the run once
   * that batch is taken.
   */
  async function refillRun(dir: string, state = undefined as ReturnType<typeof createMemoryRunState> | undefined, stopAt?: number) {
    const { spec, sha256 } = parseSpecText(REFILL, 'people.yaml', { env: {}, overrides: { outDir: dir } });
    const pool = createCodegenPool(0);
    const processor = createBatchProcessor({ spec, specKey: sha256, pool, stages: [] });
    const st = state ?? createMemoryRunState(spec);
    const stop = new AbortController();
    const pending = new Map<number, Promise<BatchOutput>>();
    const starts: number[] = [];
    const executor: BatchExecutor = {
      async dispatch(jobs) {
        for (const j of jobs) {
          starts.push(j.start);
          pending.set(j.batch, processor.process(j, await st.refColumns(j.dataset), new AbortController().signal).then((o) => {
            for (let k = 0; k < j.count; k++) {
              if ((j.start + k) % 7 !== 3) continue;
              o.dropped.push(k);
              o.rejects.push({ dataset: 'people', index: j.start + k, reason: 'invalid_model_output', error: 'test' });
            }
            return o;
          }));
        }
      },
      take: async (j) => {
        if (j.batch === stopAt) stop.abort();
        return pending.get(j.batch)!;
      },
      release: async (j) => void pending.delete(j.batch),
      discard: async (js) => js.forEach((j) => pending.delete(j.batch)),
      close: async () => undefined,
    };
    const res = await runCommitter({
      runId: 'r1', mode: 'farm', spec, specSha256: sha256, specKey: sha256, offline: false, dir, startedAt: new Date(),
      state: st, executor, pool, window: () => 3, backends: () => ({}), audit: false, signal: stop.signal, resumable: true,
    });
    return { ...res, state: st, starts };
  }

  it('refills indices 40, 41, … one batch at a time until 40 are written, and a resume mid-refill writes the same bytes', async () => {
    const whole = await mkdtemp(join(tmpdir(), 'synthfarm-committer-'));
    const resumed = await mkdtemp(join(tmpdir(), 'synthfarm-committer-'));
    dirs.push(whole, resumed);
    const a = await refillRun(whole);
    expect(a.failure).toBeUndefined();
    // 0..39 lose 6 (3, 10, 17, 24, 31, 38): a batch of 5 (40..44), then the 1 still missing (45,
    // which is rejected too), then 46.
    expect(a.manifest.datasets.people).toMatchObject({ requested: 40, written: 40, rejected: 7, refilled: 7 });
    expect(a.starts.slice(8)).toEqual([40, 45, 46]);
    const csv = await readFile(join(whole, 'people.csv'), 'utf8');
    const ids = csv.trimEnd().split(/\r?\n/).slice(1).map((l) => Number(l.split(',')[0]));
    expect(ids).toEqual(Array.from({ length: 47 }, (_, i) => i).filter((i) => i % 7 !== 3));

    // Stopped as the first refill batch is taken (after it commits, before the second is handed out); then resumed.
    const b = await refillRun(resumed, undefined, 8);
    expect(b.left).toBe(true);
    const c = await refillRun(resumed, b.state);
    expect(c.failure).toBeUndefined();
    expect(c.starts).toEqual([45, 46]);
    expect(c.manifest.datasets.people).toMatchObject({ written: 40, rejected: 7, refilled: 7 });
    expect(await readFile(join(resumed, 'people.csv'), 'utf8')).toBe(csv);
    expect(await readFile(join(resumed, 'rejects.jsonl'), 'utf8')).toBe(await readFile(join(whole, 'rejects.jsonl'), 'utf8'));
  });
});
