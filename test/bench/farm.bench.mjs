// Farm benchmark (`npm run bench:farm`). Not a test: it prints figures and exits 0 whatever they are.
//
// One private redis-server (no persistence), 4 simulated GPU hosts × 4 slots at a fixed output
// rate (in this process), 4 `synthfarm worker` processes (one per host, --slots 4, --no-cache),
// then farm runs (`synthfarm run --redis`, the coordinator, in its own process) of 20,000 and
// 200,000 records: a code-only id and name plus two short llm fields, 25 records per model call,
// 100 records per batch. For each size it prints
//   - slot utilization = Σ sim busySlotMs / (16 slots × wall ms of the run)   target ≥ 95 %
//   - wall vs ideal, ideal = Σ busySlotMs / 16                                  target ≤ 1.1×
//   - Redis peak used_memory (sampled during the run) and the coordinator's peak RSS (VmHWM):
//     both should stay flat from 20k to 200k (results wait in Redis only for the in-flight window)
//   - CPU seconds per component, because on a small machine the farm's own CPU is a limit.
//
// Before them, an unreported warm-up run (FARM_BENCH_WARMUP records, default 2000): a farm's
// workers are long-lived, so their first-batch JIT and connection set-up are not part of a run.
//
// Environment: FARM_BENCH_SIZES (default "20000,200000"), FARM_BENCH_TPS (output tokens/s per
// slot, default 4000), FARM_BENCH_PROMPT_TPS (prompt tokens/s per slot, default 10000). The
// defaults put the 200k run at about two minutes of model time; a 25-record call is ~520 output
// and ~1000 prompt tokens, so about a quarter of a second of slot time.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createSimServer } from '@synthfarm/sim';

const SIZES = (process.env.FARM_BENCH_SIZES ?? '20000,200000').split(',').map(Number);
const TPS = Number(process.env.FARM_BENCH_TPS ?? 4000);
const PROMPT_TPS = Number(process.env.FARM_BENCH_PROMPT_TPS ?? 10000);
const WARMUP = Number(process.env.FARM_BENCH_WARMUP ?? 2000);
const HOSTS = 4;
const SLOTS = 4;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/synthfarm.js');
const CLK_TCK = 100;

const spec = (count, simUrl) => `version: 1
seed: 3
name: tickets
count: ${count}
batchSize: 100
recordsPerCall: 25
fields:
  id:       { kind: sequence, start: 1 }
  customer: { kind: faker, method: person.fullName }
  priority: { kind: choice, weights: { low: 0.6, normal: 0.3, urgent: 0.1 } }
  summary:  { kind: llm, prompt: "A one-line support ticket summary from {{customer}} ({{priority}})", maxLength: 60 }
  mood:     { kind: llm, prompt: "the customer's mood", values: [happy, neutral, grumpy] }
stages:
  generate: { backend: fast }
backends:
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["${simUrl}"], slots: ${SLOTS} }
output: { formats: [csv, jsonl], dir: out }
`;

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const children = [];
function start(cmd, args, opts = {}) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  p.out = '';
  p.err = '';
  p.stdout.setEncoding('utf8').on('data', (s) => (p.out += s));
  p.stderr.setEncoding('utf8').on('data', (s) => (p.err += s));
  p.done = new Promise((r) => p.once('close', (code, signal) => r({ code, signal })));
  children.push(p);
  return p;
}
const cliEnv = { ...process.env, SYNTHFARM_LOG_LEVEL: 'error' };
delete cliEnv.REDIS_URL;
delete cliEnv.SYNTHFARM_REDIS_URL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of a live process, from /proc; undefined once it is gone. */
async function cpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}
/** { rssMB, hwmMB } of a live process. */
async function memOf(pid) {
  try {
    const s = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Idle slot-seconds of a run by phase, from a timeline of [ms, busy slots]: before the first
 * call (process start, submit), ramp-up (until every slot is first busy), steady, and the tail
 * (after the last moment every slot was busy).
 */
function idlePhases(timeline, t0, tEnd, slots) {
  const first = timeline.find(([, a]) => a > 0)?.[0] ?? tEnd;
  const full = timeline.find(([, a]) => a >= slots)?.[0] ?? first;
  const lastFull = timeline.findLast(([, a]) => a >= slots)?.[0] ?? full;
  const out = { start: (slots * (first - t0)) / 1000, ramp: 0, steady: 0, tail: 0 };
  for (let i = 0; i < timeline.length; i++) {
    const [t, a] = timeline[i];
    const next = timeline[i + 1]?.[0] ?? tEnd;
    if (t < first) continue;
    const idle = ((slots - a) * (next - t)) / 1000;
    if (t < full) out.ramp += idle;
    else if (t < lastFull) out.steady += idle;
    else out.tail += idle;
  }
  return out;
}

const dir = await mkdtemp(join(tmpdir(), 'synthfarm-bench-farm-'));
let redisProc;
let redis;
const sims = [];
try {
  // Redis: private, no persistence.
  const port = await freePort();
  redisProc = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction']);
  const redisUrl = `redis://127.0.0.1:${port}`;
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
  redis.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      if ((await redis.ping()) === 'PONG') break;
    } catch {}
    if (i > 100) throw new Error('[bench:farm] redis-server did not start: ' + redisProc.err);
    await sleep(50);
  }

  // Hosts and their workers.
  for (let i = 0; i < HOSTS; i++) {
    const sim = createSimServer({ slots: SLOTS, tokensPerSecond: TPS, promptTokensPerSecond: PROMPT_TPS, maxQueue: 4096 });
    const { url } = await sim.listen(0);
    sims.push({ sim, url });
  }
  const workers = sims.map(({ url }, i) => start(process.execPath, [BIN, 'worker', '--redis', redisUrl, '--host', `gpu${i + 1}=${url}`, '--slots', String(SLOTS), '--no-cache', '--no-schedules'], { cwd: ROOT, env: cliEnv }));
  for (const w of workers) {
    for (let i = 0; !/ serving /.test(w.err); i++) {
      if (w.exitCode !== null || i > 300) throw new Error('[bench:farm] a worker did not start: ' + w.err);
      await sleep(50);
    }
  }

  console.log(`bench:farm — ${HOSTS} simulated hosts × ${SLOTS} slots at ${TPS} output (${PROMPT_TPS} prompt) tokens/s per slot, ${HOSTS} worker processes, ${availableParallelism()} cores`);
  console.log('spec: id + name + choice (code) and 2 short llm fields; 25 records per call, 100 per batch\n');

  const results = [];
  const plan = [...(WARMUP > 0 ? [{ count: WARMUP, warmup: true }] : []), ...SIZES.map((count) => ({ count, warmup: false }))];
  for (const { count, warmup } of plan) {
    const specPath = join(dir, `spec-${count}.yaml`);
    await writeFile(specPath, spec(count, sims[0].url));
    const out = join(dir, `out-${count}`);
    for (const { sim } of sims) sim.reset();
    const used0 = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
    const cpu0 = { workers: await Promise.all(workers.map((w) => cpuSeconds(w.pid))), redis: await cpuSeconds(redisProc.pid), self: process.cpuUsage() };

    // Slot occupancy timeline (in-process sims: cheap to sample): where do idle slots come from?
    const timeline = [];
    const sampler = setInterval(() => timeline.push([performance.now(), sims.reduce((n, { sim }) => n + sim.stats().active, 0)]), 25);
    const t0 = performance.now();
    const coord = start(process.execPath, [BIN, 'run', specPath, '--redis', redisUrl, '--out', out, '--json'], { cwd: ROOT, env: cliEnv });
    let redisPeak = used0;
    let coordHwm = 0;
    let coordCpu = 0;
    let workerRssPeak = 0;
    let firstRequestAt;
    // Sample while it runs; /proc of the coordinator is gone once it exits, so keep the last values.
    let running = true;
    coord.done.then(() => (running = false));
    while (running) {
      const [info, m, c, wm] = await Promise.all([redis.info('memory'), memOf(coord.pid), cpuSeconds(coord.pid), Promise.all(workers.map((w) => memOf(w.pid)))]);
      redisPeak = Math.max(redisPeak, Number(/used_memory:(\d+)/.exec(info)[1]));
      if (m) coordHwm = Math.max(coordHwm, m.hwmMB);
      if (c !== undefined) coordCpu = c;
      for (const x of wm) if (x) workerRssPeak = Math.max(workerRssPeak, x.rssMB);
      if (firstRequestAt === undefined && sims.some(({ sim }) => sim.stats().busySlotMs > 0)) firstRequestAt = performance.now();
      await sleep(200);
    }
    const { code } = await coord.done;
    const wallMs = performance.now() - t0;
    clearInterval(sampler);
    const phases = idlePhases(timeline, t0, t0 + wallMs, HOSTS * SLOTS);
    if (code !== 0) throw new Error(`[bench:farm] the run exited ${code}:\n${coord.err}`);
    const summary = JSON.parse(coord.out.trim().split('\n').at(-1));
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));

    const stats = sims.map(({ sim }) => sim.stats());
    const busy = stats.reduce((n, s) => n + s.busySlotMs, 0);
    const calls = stats.reduce((n, s) => n + (s.requests['POST /api/chat'] ?? 0), 0);
    const tokensOut = stats.reduce((n, s) => n + s.tokensOut, 0);
    const idealMs = busy / (HOSTS * SLOTS);
    const selfCpu = process.cpuUsage(cpu0.self);
    const workerCpu = (await Promise.all(workers.map((w) => cpuSeconds(w.pid)))).reduce((n, c, i) => n + (c - cpu0.workers[i]), 0);
    const redisCpu = (await cpuSeconds(redisProc.pid)) - cpu0.redis;
    const simCpu = (selfCpu.user + selfCpu.system) / 1e6;
    const r = {
      count,
      written: summary.datasets.tickets.written,
      rejected: summary.datasets.tickets.rejected,
      wallMs,
      runMs: manifest.timings.totalMs,
      idealMs,
      utilization: busy / (HOSTS * SLOTS * wallMs),
      utilizationFromFirstCall: firstRequestAt ? busy / (HOSTS * SLOTS * (performance.now() - firstRequestAt)) : NaN,
      calls,
      tokensOut,
      avgCallMs: busy / Math.max(1, calls),
      redisPeakMB: redisPeak / 2 ** 20,
      redisBaseMB: used0 / 2 ** 20,
      coordHwmMB: coordHwm,
      workerRssPeakMB: workerRssPeak,
      cpu: { workers: workerCpu, coordinator: coordCpu, simsAndBench: simCpu, redis: redisCpu },
    };
    if (warmup) {
      console.log(`warm-up: ${count.toLocaleString()} records in ${(wallMs / 1000).toFixed(1)} s\n`);
      await rm(out, { recursive: true, force: true });
      continue;
    }
    results.push(r);
    const cpuTotal = Object.values(r.cpu).reduce((a, b) => a + b, 0);
    console.log(`${count.toLocaleString()} records: ${r.written.toLocaleString()} written, ${r.rejected} rejected, ${calls} model calls, ${tokensOut.toLocaleString()} tokens out (avg call ${r.avgCallMs.toFixed(0)} ms of slot time)`);
    console.log(`  wall ${(wallMs / 1000).toFixed(1)} s (manifest ${(r.runMs / 1000).toFixed(1)} s); ideal ${(idealMs / 1000).toFixed(1)} s → wall/ideal ${(wallMs / idealMs).toFixed(3)}`);
    console.log(`  slot utilization ${(r.utilization * 100).toFixed(1)} % of ${HOSTS * SLOTS} slots over the run's wall (${((busy / (HOSTS * SLOTS * r.runMs)) * 100).toFixed(1)} % over the manifest's submit-to-finish time, ${(r.utilizationFromFirstCall * 100).toFixed(1)} % from the first model call)`);
    console.log(`  idle slot-seconds: before the first call ${phases.start.toFixed(1)}, ramp-up to ${HOSTS * SLOTS} busy ${phases.ramp.toFixed(1)}, steady ${phases.steady.toFixed(1)}, tail after the last full moment ${phases.tail.toFixed(1)} (of ${((HOSTS * SLOTS * wallMs) / 1000).toFixed(1)})`);
    console.log(`  Redis used_memory peak ${r.redisPeakMB.toFixed(1)} MB (idle ${r.redisBaseMB.toFixed(1)} MB); coordinator peak RSS ${coordHwm.toFixed(0)} MB; worker peak RSS ${workerRssPeak.toFixed(0)} MB`);
    console.log(`  CPU s: workers ${workerCpu.toFixed(1)}, coordinator ${coordCpu.toFixed(1)}, sims+bench ${simCpu.toFixed(1)}, redis ${redisCpu.toFixed(1)} = ${cpuTotal.toFixed(1)} of ${((availableParallelism() * wallMs) / 1000).toFixed(1)} available (${((cpuTotal / ((availableParallelism() * wallMs) / 1000)) * 100).toFixed(0)} %)`);
    console.log('');
    await rm(out, { recursive: true, force: true });
  }

  if (results.length >= 2) {
    const [a, b] = [results[0], results.at(-1)];
    console.log(`summary (${a.count.toLocaleString()} → ${b.count.toLocaleString()} records):`);
    for (const r of results) console.log(`  ${String(r.count).padStart(7)}: utilization ${(r.utilization * 100).toFixed(1)} % (target ≥ 95 %), wall/ideal ${(r.wallMs / r.idealMs).toFixed(3)} (target ≤ 1.1)`);
    console.log(`  Redis peak ratio ${(b.redisPeakMB / a.redisPeakMB).toFixed(2)}, coordinator peak RSS ratio ${(b.coordHwmMB / a.coordHwmMB).toFixed(2)} (flat ≈ 1.0 at ${(b.count / a.count).toFixed(0)}× the records)`);
  }
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  redis?.disconnect();
  await Promise.all(sims.map(({ sim }) => sim.close()));
  await rm(dir, { recursive: true, force: true });
}
