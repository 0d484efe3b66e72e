import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { connectFarm, type FarmConnection, type RunSummary } from '@synthfarm/farm';
import { createSimServer, type SimOptionsInput, type SimServer } from '@synthfarm/sim';
import { ROOT } from './cli.js';
import { outputHashes, readCsv } from './output.js';
import { startRedis, type RedisHandle } from './redis-server.js';

/**
 * Farm-mode test helpers: real `synthfarm` processes (workers, coordinators, one-shot commands)
 * against a real Redis and in-process simulated Ollama hosts. Every process and server a helper
 * starts is tracked, so one `await killAll()` in afterEach/afterAll ends them all.
 */

const BIN = join(ROOT, 'apps/cli/bin/synthfarm.js');

/** Variables that would change what the CLI does if the test shell happened to set them. */
const UNSET = ['SEED', 'NOPE', 'REDIS_URL', 'SYNTHFARM_REDIS_URL', 'SYNTHFARM_DEBUG', 'OLLAMA_HOST'];

/** The environment of a spawned CLI: quiet logs (errors only), no progress lines, nothing inherited that changes its mode. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // No periodic progress lines (their number depends on the machine's load; tests compare stderr).
  const env: NodeJS.ProcessEnv = { ...process.env, SYNTHFARM_LOG_LEVEL: 'error', SYNTHFARM_PROGRESS_EVERY: '0' };
  for (const k of UNSET) delete env[k];
  return Object.assign(env, extra);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `synthfarm` process. */
export interface CliProcess {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal (default SIGKILL); a no-op once the process has exited. */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited and its output is closed. */
  readonly exited: Promise<CliResult>;
  /** True once it has exited. */
  hasExited(): boolean;
}

const live = new Set<CliProcess>();

/** Starts `synthfarm ARGS...` (the built CLI) in the repository root; tracked for {@link killAll}. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let done = false;
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<CliResult>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code, signal) => {
      done = true;
      live.delete(handle);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  const handle: CliProcess = {
    proc,
    pid: proc.pid!,
    stdout: () => out,
    stderr: () => err,
    kill(signal = 'SIGKILL') {
      if (!done && proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    exited,
    hasExited: () => done,
  };
  live.add(handle);
  return handle;
}

/** Runs `synthfarm ARGS...` to the end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return spawnCli(args, env).exited;
}

export interface WorkerOptions {
  redisUrl: string;
  /** `NAME=URL` of the host, or the two parts. */
  host: string | { name: string; url: string };
  /** --slots; default 4. */
  slots?: number;
  /** More flags: `--lock-ms 2000`, `--drain-ms 300`, `--no-schedules`. `--no-cache` is always passed. */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/** A `synthfarm worker` process, resolved once it serves (its "serving" line on stderr). */
export async function spawnWorker(opts: WorkerOptions): Promise<CliProcess> {
  const host = typeof opts.host === 'string' ? opts.host : `${opts.host.name}=${opts.host.url}`;
  const w = spawnCli(['worker', '--redis', opts.redisUrl, '--host', host, '--slots', String(opts.slots ?? 4), '--no-cache', ...(opts.extraArgs ?? [])], opts.env);
  const ready = waitFor(() => / serving /.test(w.stderr()), { timeoutMs: 30_000, what: `worker ${host} to serve` });
  const failed = w.exited.then((r) => {
    throw new Error(`[farm-harness] worker ${host} exited (${r.code ?? r.signal}) before serving:\n${r.stderr}`);
  });
  await Promise.race([ready, failed]);
  failed.catch(() => undefined);
  return w;
}

const sims = new Set<SimServer>();

/** An in-process simulated Ollama host on a free port; tracked for {@link killAll}. */
export async function startSim(opts: SimOptionsInput = {}): Promise<{ sim: SimServer; url: string }> {
  const sim = createSimServer(opts);
  const { url } = await sim.listen(0);
  sims.add(sim);
  return { sim, url };
}

/** SIGKILLs every process this harness started that still runs (SIGCONT first, for stopped ones), and closes every sim. */
export async function killAll(): Promise<void> {
  const procs = [...live];
  for (const p of procs) {
    p.kill('SIGCONT');
    p.kill('SIGKILL');
  }
  await Promise.all(procs.map((p) => p.exited.catch(() => undefined)));
  const servers = [...sims];
  sims.clear();
  await Promise.all(servers.map((s) => s.close()));
}

/**
 * sha256 of every file of an output directory except manifest.json and events.jsonl (they hold times and run ids),
 * temp and part files included: a directory with a leftover `.x.part` differs from a clean one.
 */
export async function sha256Files(dir: string): Promise<Record<string, string>> {
  return outputHashes(dir);
}

/** Files of a directory, hidden ones (part files) included. */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/**
 * Polls `predicate` until it returns a truthy value, and resolves with it. Rejects after
 * `timeoutMs` (default 30 000) naming `what`, so a stuck test says what it waited for.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const until = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`[farm-harness] timed out after ${opts.timeoutMs ?? 30_000} ms waiting for ${opts.what ?? 'a condition'}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/** The last stdout line as JSON (`--json` commands print their summary there). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`[farm-harness] last stdout line is not JSON: ${JSON.stringify(last)}\n(stdout: ${stdout.slice(-2000)})`);
  }
}

/**
 * The farm test spec: `customers` (sequence id, a unique template email that collides often, so
 * the coordinator's uniqueness decisions travel in the jobs; two llm fields written by the model,
 * 25 records per call) and `orders` (code only, a ref to customers.id). Hosts come
 * from `${SIM_URL}` (embedded mode; in farm mode the workers bring theirs).
 */
export function farmSpec(opts: { customers?: number; orders?: number; batchSize?: number; seed?: number } = {}): string {
  const batchSize = opts.batchSize ?? 50;
  return `version: 1
seed: ${opts.seed ?? 11}
datasets:
  - name: customers
    count: ${opts.customers ?? 1000}
    batchSize: ${batchSize}
    recordsPerCall: 25
    fields:
      id:        { kind: sequence, start: 1 }
      firstName: { kind: faker, method: person.firstName }
      lastName:  { kind: faker, method: person.lastName }
      email:     { kind: template, template: "{{firstName}}@example.com", lower: true, unique: true }
      tier:      { kind: choice, weights: { free: 0.7, premium: 0.25, enterprise: 0.05 } }
      bio:       { kind: llm, prompt: "One sentence about {{firstName}}, a {{tier}} customer", maxLength: 120 }
      mood:      { kind: llm, prompt: "their mood in the last support ticket", values: [happy, neutral, grumpy] }
  - name: orders
    count: ${opts.orders ?? 800}
    batchSize: ${batchSize}
    fields:
      id:         { kind: sequence, start: 1 }
      customerId: { kind: ref, dataset: customers, field: id }
      total:      { kind: uniform, min: 5, max: 500, round: 2 }
stages:
  generate: { backend: fast }
backends:
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["\${SIM_URL}"], slots: 4 }
output: { formats: [csv, jsonl], dir: out }
`;
}

/**
 * SIGKILLs coordinators that still hold a run lock in this farm's Redis and that are `synthfarm`
 * processes: ones the CLI started on our behalf (`run --detach` spawns a detached `resume`), so
 * {@link killAll} does not know them. The lock's value is the holder's `pid@host`.
 */
export async function killRunCoordinators(farm: FarmConnection): Promise<void> {
  const keys = await farm.redis.keys(`${farm.keys.prefix}:run:*:lock`).catch(() => [] as string[]);
  for (const key of keys) {
    // The lock's value is `<pid>@<host>:<token>` of its holder.
    const pid = Number.parseInt((await farm.redis.get(key).catch(() => null)) ?? '', 10);
    if (!(pid > 0) || pid === process.pid) continue;
    // The lock outlives its holder by up to its TTL, and pids are reused: only a synthfarm process
    // started against this farm's Redis (its URL is on the command line), never another test's CLI.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('synthfarm') || !cmdline.includes(farm.url)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** What every fault case checks at the end; the counts of {@link farmSpec}'s datasets. */
export interface FarmCaseOptions {
  /** Root for output directories (one per case). */
  root: string;
  specPath: string;
  customers: number;
  orders: number;
  /** sha256 of the clean embedded run's files (set in beforeAll). */
  embedded: () => Record<string, string>;
}

/** One fault case's world: a fresh Redis, slow simulated hosts, a farm connection to watch runs. */
export interface FarmCase {
  redis: RedisHandle;
  farm: FarmConnection;
  sims: Array<{ sim: SimServer; url: string }>;
  /** The case's output directory (not yet created). */
  out: string;
}

/**
 * Helpers for farm fault tests over {@link farmSpec}: `setup()` per case, `teardown()` in
 * afterEach (kills processes, coordinators still holding a run lock, Redis), and the checks
 * every case ends with.
 */
export function farmCases(opts: FarmCaseOptions) {
  let current: FarmCase | undefined;
  let n = 0;
  const total = opts.customers + opts.orders;

  const api = {
    /** Starts a Redis (AOF if asked) and `hosts` sims (default 2) at `tps[i]` tokens/s per slot. */
    async setup(o: { appendonly?: boolean; hosts?: number; tps?: number[]; defaultTps: number }): Promise<FarmCase> {
      const redis = await startRedis({ appendonly: o.appendonly ?? false });
      const farm = await connectFarm(redis.url);
      const sims = await Promise.all(Array.from({ length: o.hosts ?? 2 }, (_, i) => startSim({ slots: 4, tokensPerSecond: o.tps?.[i] ?? o.defaultTps })));
      current = { redis, farm, sims, out: join(opts.root, `case-${++n}`) };
      return current;
    },

    async teardown(): Promise<void> {
      await killAll();
      const c = current;
      current = undefined;
      if (!c) return;
      await killRunCoordinators(c.farm);
      await c.farm.close();
      await c.redis.stop();
    },

    /** One `synthfarm worker` per sim (`gpu1`, `gpu2`, ...), schedules off. */
    workers(c: FarmCase, extraArgs: string[]): Promise<CliProcess[]> {
      return Promise.all(c.sims.map((s, i) => spawnWorker({ redisUrl: c.redis.url, host: { name: `gpu${i + 1}`, url: s.url }, extraArgs: [...extraArgs, '--no-schedules'] })));
    },

    /** Starts `synthfarm run SPEC --redis --json` (the coordinator) and resolves with it and its run id. */
    async startRun(c: FarmCase): Promise<{ coordinator: CliProcess; runId: string }> {
      // In farm mode the spec's hosts are not used; ${SIM_URL} only has to resolve.
      const coordinator = spawnCli(['run', opts.specPath, '--redis', c.redis.url, '--out', c.out, '--json'], { SIM_URL: 'http://127.0.0.1:9' });
      const runId = await waitFor(async () => (await c.farm.store.list(1))[0]?.runId, { what: 'the run to be submitted' });
      return { coordinator, runId };
    },

    async summary(c: FarmCase, runId: string): Promise<RunSummary> {
      const s = await c.farm.store.summary(runId);
      if (!s) throw new Error(`[farm-harness] no run ${runId}`);
      return s;
    },

    /** Waits until at least `records` records of the run are committed. */
    doneAtLeast(c: FarmCase, runId: string, records: number, timeoutMs = 30_000): Promise<RunSummary> {
      return waitFor(async () => {
        const s = await api.summary(c, runId);
        return s.done >= records ? s : undefined;
      }, { timeoutMs, what: `${records} records of run ${runId} committed` });
    },

    /** The coordinator process ended well: exit 0, nothing on stderr, a completed JSON summary. */
    async expectRunExit(coordinator: CliProcess): Promise<void> {
      const res = await coordinator.exited;
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(lastJson(res.stdout)).toMatchObject({ status: 'completed' });
    },

    /** Completed, every record exactly once (ids 1..N in order), the embedded run's bytes. */
    async expectExactOutput(c: FarmCase, runId: string): Promise<void> {
      expect(await sha256Files(c.out)).toEqual(opts.embedded());
      const manifest = JSON.parse(await readFile(join(c.out, 'manifest.json'), 'utf8')) as Manifest;
      expect(manifest).toMatchObject({ status: 'completed', mode: 'farm', runId });
      expect(manifest.datasets).toMatchObject({ customers: { requested: opts.customers, written: opts.customers, rejected: 0 }, orders: { requested: opts.orders, written: opts.orders, rejected: 0 } });
      for (const [name, count] of [['customers', opts.customers], ['orders', opts.orders]] as const) {
        const ids = (await readCsv(join(c.out, `${name}.csv`))).rows.map((r) => Number(r.id));
        expect(ids, `${name}.csv ids`).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      }
      const summary = await api.summary(c, runId);
      expect(summary).toMatchObject({ state: 'completed', done: total, written: total, rejected: 0 });
      // Counted from committed batches only: work redone after a killed worker or coordinator is
      // not counted twice, so the hosts add up to the total in status and in the manifest alike.
      expect(Object.values(summary.hosts).reduce((n, h) => n + h.records, 0), 'status: records over hosts').toBe(total);
      expect(Object.values(manifest.hosts ?? {}).reduce((n, h) => n + h.records, 0), 'manifest: records over hosts').toBe(total);
      // The event log has each batch committed exactly once, across a resume too.
      const commits = (await readFile(join(c.out, 'events.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; dataset?: string; batch?: number }).filter((e) => e.type === 'batch_committed');
      const ids = commits.map((e) => `${e.dataset}:${e.batch}`);
      expect(new Set(ids).size, 'events.jsonl: each batch committed once').toBe(ids.length);
      expect(commits.length, "events.jsonl: batches committed").toBe(Math.ceil(opts.customers / 50) + Math.ceil(opts.orders / 50));
    },
  };
  return api;
}

/**
 * Writes {@link farmSpec} to `dir/spec.yaml` and runs it embedded (`--no-cache`) on a fast sim:
 * the clean reference every farm run must equal. Resolves with the spec path and the hashes.
 */
export async function embeddedReference(dir: string, spec: { customers: number; orders: number }): Promise<{ specPath: string; hashes: Record<string, string> }> {
  const specPath = join(dir, 'spec.yaml');
  await writeFile(specPath, farmSpec(spec));
  // The sim's answers depend on the request and its seed, not on the host's speed or port.
  const { sim, url } = await startSim({ tokensPerSecond: 1e6, slots: 4 });
  try {
    const ref = await runCli(['run', specPath, '--out', join(dir, 'embedded'), '--no-cache', '--json'], { SIM_URL: url });
    if (ref.code !== 0 || ref.stderr) throw new Error(`[farm-harness] embedded reference run failed (${ref.code}):\n${ref.stderr}`);
  } finally {
    sims.delete(sim);
    await sim.close();
  }
  return { specPath, hashes: await sha256Files(join(dir, 'embedded')) };
}
