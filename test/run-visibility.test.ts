// Issue 7 items 10 and 11: a run's files become visible together or not at all, whatever kills it;
// SIGINT / SIGTERM exit 130 / 143 with one line and leave no temp files; a full disk while the
// manifest is written is exit 1 with a message naming the path, and never a manifest that lies.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { OutputWriteError } from '@synthfarm/core';
import { runEmbedded, type Manifest } from '@synthfarm/engine';
import { STAGING_PREFIX } from '@synthfarm/output';
import { parseSpecText } from '@synthfarm/spec';
import { ROOT, stackLines, synthfarm, tempDir } from './support/cli.js';
import { processCpuMs } from './support/cpu-time.js';
import { sha256File } from './support/output.js';

const DEV_FULL = join(ROOT, 'test/support/dev-full.cjs');
const devFull = createRequire(import.meta.url)(DEV_FULL) as { install(pattern: string): () => void };

const BIN = join(ROOT, 'apps/cli/bin/synthfarm.js');

/** Two datasets, code only, big enough that a run takes a second or two. */
const SPEC = `seed: \${SEED:-1}
datasets:
  - name: customers
    count: 40000
    fields:
      id: { kind: sequence }
      name: { kind: faker, method: person.fullName }
      email: { kind: template, template: "user{{id}}@example.com" }
  - name: orders
    count: 120000
    fields:
      id: { kind: sequence }
      customerId: { kind: ref, dataset: customers, field: id }
      amount: { kind: lognormal, mu: 3, sigma: 1 }
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let specPath: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-visibility-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, SPEC);
});
afterAll(() => tmp.cleanup());

interface Child {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(sig: NodeJS.Signals): void;
  stdout: () => string;
  stderr: () => string;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  // No periodic progress lines: a run slowed by load would print some, and stderr is compared.
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, REDIS_URL: '', SYNTHFARM_PROGRESS_EVERY: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
  return { pid: child.pid!, exited, kill: (sig) => child.kill(sig), stdout: () => stdout, stderr: () => stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `ms` only bounds a hang: a loaded machine can take many seconds to start the CLI. */
async function waitFor(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Resolves once a child has used `ms` of CPU time (all its threads), or has exited. */
async function untilCpu(child: Child, ms: number): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!exited) {
    if ((await processCpuMs(child.pid).catch(() => Infinity)) >= ms) return;
    await sleep(5);
  }
}

const staged = async (dir: string) => (await readdir(dir)).some((n) => n.startsWith(STAGING_PREFIX));

/**
 * What a reader who trusts manifest.json sees: no manifest, or one whose every file is on disk
 * with the listed sha256 and row count. Returns the seed the manifest's run used, if any.
 */
async function trustedView(dir: string): Promise<number | undefined> {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(await readFile(path, 'utf8')) as Manifest;
  expect(m.status).toBe('completed');
  for (const [name, d] of Object.entries(m.datasets)) {
    expect(d.files.map((f) => f.path).sort(), name).toEqual([`${name}.csv`, `${name}.jsonl`]);
    for (const f of d.files) {
      expect(await sha256File(join(dir, f.path)), `${f.path} against the manifest of run ${m.runId}`).toBe(f.sha256);
      expect((await readFile(join(dir, f.path), 'utf8')).split('\n').filter(Boolean).length - (f.format === 'csv' ? 1 : 0)).toBe(f.rows);
    }
  }
  expect(await sha256File(join(dir, 'rejects.jsonl'))).toBe(m.rejects.sha256);
  return m.seed;
}

describe('a rerun into the same directory', () => {
  it('SIGKILLed at any point: the manifest never claims files of another run, and the next run cleans up', async () => {
    const dir = join(tmp.dir, 'kill9');
    // Kill points on the child's own clock (CPU time), as fractions of the CPU a run has used
    // when its manifest appears (its commit point): the same phases of the run are hit whether
    // the machine is idle or loaded; wall time would not.
    const first = start(['run', specPath, '--out', dir], { SEED: '1' });
    let commit = 0;
    while (!existsSync(join(dir, 'manifest.json'))) {
      commit = await processCpuMs(first.pid).catch(() => commit);
      await sleep(5);
    }
    expect((await first.exited).code).toBe(0);
    expect(commit).toBeGreaterThan(0);
    expect(await trustedView(dir)).toBe(1);
    const seen = new Set<number | undefined>();
    const tries = 8;
    for (let i = 0; i < tries; i++) {
      const seed = 100 + i;
      const child = start(['run', specPath, '--out', dir], { SEED: String(seed) });
      // From just after start to past the commit point: some kills land in the commit itself.
      await untilCpu(child, (commit * (i + 1)) / (tries - 2));
      child.kill('SIGKILL');
      await child.exited;
      const view = await trustedView(dir);
      seen.add(view);
      // A killed run is published whole (it had reached its commit point) or not at all.
      if (view !== undefined && view !== seed) expect(view === 1 || view < seed).toBe(true);
    }
    // At least one try left the previous run whole: killed before the commit point.
    expect([...seen].some((s) => s === 1 || (s !== undefined && s >= 100))).toBe(true);
    const last = await synthfarm(['run', specPath, '--out', dir], { env: { SEED: '7' } });
    expect(last.code).toBe(0);
    expect(await trustedView(dir)).toBe(7);
    expect((await readdir(dir)).sort()).toEqual(['customers.csv', 'customers.jsonl', 'events.jsonl', 'manifest.json', 'orders.csv', 'orders.jsonl', 'rejects.jsonl', 'report-data.json', 'report.html']);
    // Ten runs' worth of work: on a loaded two-core machine that is minutes; the timeout only bounds a hang.
  }, 300_000);

  it.for([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %i, one line on stderr, --json summary, no temp files, the previous run intact', async ([sig, code]) => {
    const dir = join(tmp.dir, `signal-${sig}`);
    expect((await synthfarm(['run', specPath, '--out', dir], { env: { SEED: '1' } })).code).toBe(0);
    const before = await readFile(join(dir, 'manifest.json'), 'utf8');
    const child = start(['run', specPath, '--out', dir, '--json'], { SEED: '2' });
    await waitFor('the run to start writing', () => staged(dir));
    await sleep(100);
    child.kill(sig);
    const exit = await child.exited;
    expect(exit.code).toBe(code);
    expect(stackLines(child.stderr())).toEqual([]);
    expect(child.stderr().trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^synthfarm: stopped by ${sig}: run \\S+ was not published; `))]);
    expect(JSON.parse(child.stdout().trimEnd().split('\n').at(-1)!)).toMatchObject({ status: 'cancelled', exitCode: code, error: { code: 'INTERRUPTED' } });
    expect((await readdir(dir)).sort()).toEqual(['customers.csv', 'customers.jsonl', 'events.jsonl', 'manifest.json', 'orders.csv', 'orders.jsonl', 'rejects.jsonl', 'report-data.json', 'report.html']);
    expect(await readFile(join(dir, 'manifest.json'), 'utf8')).toBe(before);
    expect(await trustedView(dir)).toBe(1);
  });
});

describe('disk full (ENOSPC) while the manifest is written', () => {
  /** The staged manifest's writes go to /dev/full, which answers every write with ENOSPC. */
  const MANIFEST_TMP = String.raw`\.manifest\.json\.tmp$`;

  it('in process: an OutputWriteError naming the path, the previous run left whole, nothing staged left', async () => {
    const dir = join(tmp.dir, 'enospc-lib');
    expect((await synthfarm(['run', specPath, '--out', dir], { env: { SEED: '1' } })).code).toBe(0);
    const staging = join(dir, `${STAGING_PREFIX}enospc-1`);
    const uninstall = devFull.install(MANIFEST_TMP);
    onTestFinished(uninstall);
    const loaded = parseSpecText('name: people\ncount: 100\nfields:\n  id: { kind: sequence }\n', 'spec.yaml', { overrides: { outDir: dir } });
    const err = await runEmbedded({ loaded, threads: 0, runId: 'enospc-1' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OutputWriteError);
    expect((err as OutputWriteError).message).toBe(`cannot write ${join(staging, 'manifest.json')}: disk full (ENOSPC)`);
    expect((err as OutputWriteError).exitCode).toBe(1);
    expect(existsSync(staging)).toBe(false);
    expect(await trustedView(dir)).toBe(1);
    expect(existsSync(join(dir, 'people.csv'))).toBe(false);
  });

  it('through the CLI: exit 1, one plain line, --json summary with status failed, no manifest next to the data', async () => {
    const dir = join(tmp.dir, 'enospc-cli');
    await mkdir(dir);
    const child = start(['run', specPath, '--out', dir, '--json'], { SEED: '3', NODE_OPTIONS: `--require ${DEV_FULL}`, SYNTHFARM_TEST_DEV_FULL: MANIFEST_TMP });
    const exit = await child.exited;
    const name = `${STAGING_PREFIX}${JSON.parse(child.stdout().trimEnd().split('\n').at(-1)!).runId}`;
    expect(exit.code).toBe(1);
    expect(stackLines(child.stderr())).toEqual([]);
    expect(child.stderr().trimEnd().split('\n')).toEqual([`synthfarm: cannot write ${join(dir, name, 'manifest.json')}: disk full (ENOSPC)`]);
    expect(JSON.parse(child.stdout().trimEnd().split('\n').at(-1)!)).toMatchObject({ status: 'failed', exitCode: 1, error: { code: 'OUTPUT_WRITE_FAILED' } });
    expect(await readdir(dir)).toEqual([]);
  });
});
