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
