import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { listDir, sha256Files } from './farm-harness.js';
import { readCsv } from './output.js';

/**
 * The contract every batch executor runs (STYLE §3, like unstorage's `testDriver`): over
 * {@link farmSpec} (unique fields decided by the committer, refs across datasets, llm fields
 * answered by the simulated host), a run through the executor writes the reference bytes —
 * cleanly, with a worker killed mid-run, and when the committer stops midway and the run is
 * finished the mode's way. Each executor supplies how to do those three things.
 */
export interface ExecutorUnderTest {
  /** A run to completion into `out`. */
  run(out: string): Promise<void>;
  /** A run during which a worker dies with batches on it (a SIGKILLed process, a terminated thread); asserts that one did. */
  runKillingAWorker(out: string): Promise<void>;
  /** A run whose committer is stopped midway, then finished the mode's way (farm: `resume`; embedded: a rerun into the same directory). */
  runStoppedThenFinished(out: string): Promise<void>;
}

export interface ContractOptions {
  /** A fresh output directory per case. */
  out: (name: string) => string;
  customers: number;
  orders: number;
  /** sha256 of the reference run's files. */
  reference: () => Record<string, string>;
  /** The executor's runs; set up per case. */
  executor: () => ExecutorUnderTest;
  /** Ends what a case started (processes, servers). */
  teardown?: () => Promise<void>;
  timeoutMs?: number;
}

/** Registers the contract's cases for one executor. */
export function executorContract(name: string, opts: ContractOptions): void {
  const exact = async (out: string) => {
    expect(await sha256Files(out)).toEqual(opts.reference());
    // No staging, part or temp file is left beside the published files (the event log holds times: listed, not hashed).
    expect(await listDir(out)).toEqual([...Object.keys(opts.reference()), 'events.jsonl', 'manifest.json', 'report-data.json', 'report.html'].sort());
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.status).toBe('completed');
    expect(manifest.datasets).toMatchObject({ customers: { written: opts.customers, rejected: 0 }, orders: { written: opts.orders, rejected: 0 } });
    // Every record exactly once, in order.
    for (const [ds, count] of [['customers', opts.customers], ['orders', opts.orders]] as const) {
      expect((await readCsv(join(out, `${ds}.csv`))).rows.map((r) => Number(r.id)), `${ds}.csv ids`).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    }
  };
  const cases: Array<[string, keyof ExecutorUnderTest]> = [
    ['writes the reference bytes', 'run'],
    ['a worker killed mid-run: every record exactly once, the reference bytes', 'runKillingAWorker'],
    ['the committer stopped midway, then finished: the reference bytes, nothing mixed in', 'runStoppedThenFinished'],
  ];
  describe(`executor contract: ${name}`, () => {
    for (const [title, method] of cases) {
      it(title, async () => {
        const out = opts.out(method);
        try {
          await opts.executor()[method](out);
          await exact(out);
        } finally {
          await opts.teardown?.();
        }
      }, opts.timeoutMs ?? 30_000);
    }
  });
}
