import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadSpec, runEmbedded, type CodegenPool, type Manifest } from '@synthfarm/engine';
import { createModelStages } from '@synthfarm/stages';
// Internal modules, from dist: the same module instances as @synthfarm/engine's (one ThreadLost class).
import { BATCH_WORKER_FILE, codegenPoolOf } from '../packages/engine/dist/codegen-pool.js';
import { ThreadLost } from '../packages/engine/dist/thread-lost.js';
import { tempDir } from './support/cli.js';
import { executorContract } from './support/executor-contract.js';
import { embeddedReference, killAll, sha256Files, startSim } from './support/farm-harness.js';

/**
 * The thread executor (embedded mode) under the executor contract, in this process: a killed
 * worker is a piscina thread terminated with batches on it; an embedded run is not resumable, so
 * "finished" is a rerun into the same directory after a stopped run published nothing.
 */

const CUSTOMERS = 400;
const ORDERS = 300;

let tmp: { dir: string; cleanup: () => Promise<void> };
let specPath: string;
let reference: Record<string, string>;
let simUrl: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-contract-thread-');
  ({ specPath, hashes: reference } = await embeddedReference(tmp.dir, { customers: CUSTOMERS, orders: ORDERS }));
  ({ url: simUrl } = await startSim({ tokensPerSecond: 1e6, slots: 4 }));
});
afterAll(async () => {
  await killAll();
  await tmp?.cleanup();
});

/** One embedded run of the contract spec into `out`, its model stages built once, as `synthfarm run` does. */
async function run(out: string, opts: { pool?: CodegenPool; signal?: AbortSignal; seed?: number } = {}): Promise<Manifest> {
  const loaded = await loadSpec({ file: specPath }, { env: { SIM_URL: simUrl }, overrides: { outDir: out, seed: opts.seed } });
  const model = await createModelStages(loaded);
  try {
    return await runEmbedded({ loaded, model, threads: 2, ...(opts.pool ? { pool: opts.pool } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  } finally {
    await model.close();
  }
}

executorContract('threads (embedded)', {
  out: (name) => join(tmp.dir, name),
  customers: CUSTOMERS,
  orders: ORDERS,
  reference: () => reference,
  executor: () => ({
    async run(out) {
      await run(out);
    },
    async runKillingAWorker(out) {
      const piscina = new Piscina({ filename: BATCH_WORKER_FILE, minThreads: 2, maxThreads: 2 });
      const threads = codegenPoolOf(piscina, 2);
      let tasks = 0;
      let lost = 0;
      const pool: CodegenPool = {
        threads: 2,
        run(task) {
          const p = threads.run(task);
          // The sixth task is on a thread now: every thread is terminated under it (and any other in flight).
          if (++tasks === 6) for (const t of piscina.threads) void t.terminate();
          return p.catch((err: unknown) => {
            if (err instanceof ThreadLost) lost++;
            throw err;
          });
        },
        close: () => threads.close(),
      };
      try {
        await run(out, { pool });
      } finally {
        await pool.close();
      }
      expect(lost).toBeGreaterThan(0);
    },
    async runStoppedThenFinished(out) {
      // The directory holds an earlier run (another seed); a run stopped midway must leave it as it was.
      await run(out, { seed: 99 });
      const before = await sha256Files(out);
      const stop = new AbortController();
      const loaded = await loadSpec({ file: specPath }, { env: { SIM_URL: simUrl }, overrides: { outDir: out } });
      const model = await createModelStages(loaded);
      const err = await runEmbedded({ loaded, model, threads: 2, signal: stop.signal, onProgress: (p) => p.done >= 100 && stop.abort(new Error('stopped midway')) })
        .then(() => undefined, (e: unknown) => e)
        .finally(() => model.close());
      expect((err as Error).message).toBe('stopped midway');
      expect(await sha256Files(out)).toEqual(before);
      expect((await readdir(out)).filter((f) => f.startsWith('.'))).toEqual([]);
      await mkdir(out, { recursive: true });
      await run(out);
    },
  }),
});
