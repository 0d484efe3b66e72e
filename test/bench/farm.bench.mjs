// Farm benchmark (`npm run bench:farm`). Not a test: it prints figures and exits 0 whatever they are.
//
// Two cases, each against one private redis-server (no persistence) and a `synthfarm run --redis`
// coordinator in its own process, timed from spawning that command to its exit (what the user
// waits for). Spec: a code-only id and name plus two short llm fields, 25 records per model call,
// 100 records per batch (4 calls per batch).
//
//   4x4   4 simulated GPU hosts × 4 slots at a fast output rate (in this process), 4 `synthfarm
//         worker` processes (one per host, --slots 4, --no-cache); 20,000 and 200,000 records.
//   64x8  scale-out: 64 simulated hosts × 8 slots at 40 output tokens/s per slot (a realistic
//         stream for a 7–8B model on one GPU) and 1,000 prompt tokens/s per slot, one model.
//         64 + 64 processes do not fit two cores, so the hosts run 32 per sim process (2) and the
//         workers 16 per worker process (4; test/bench/farm-hosts.mjs calls createFarmWorker once
//         per host, as each `synthfarm worker --host` process does once). A real farm runs one
//         worker process per GPU host and one Ollama per host, over a network: add its round trip
//         (~0.2–1 ms in a rack) to every Redis command and model call; none of that is on the
//         slot's critical path except the call itself. 100,000 records: 4,000 calls of ~13 s of
//         generation + ~1 s of prompt, ≈ 110 s of model time on 512 slots.
//
// For each size it prints
//   - slot utilization = Σ sim busySlotMs / (slots × wall ms of the run)   target ≥ 95 % (≥ 98 % at 200k)
//   - wall vs ideal, ideal = Σ busySlotMs / slots                          target ≤ 1.1×
//   - idle slot-seconds by phase (before the first call, ramp-up, steady, tail)
//   - Redis ops/s (commands processed / wall, and the peak instantaneous_ops_per_sec) and peak
//     used_memory; coordinator and worker CPU seconds and peak RSS. Redis and coordinator memory
//     should stay flat from 20k to 200k (results wait in Redis only for the in-flight window), and
//     so should the workers' RSS.
//
// Before them, an unreported warm-up run per case: a farm's workers are long-lived, so their
// first-batch JIT and connection set-up are not part of a run.
//
// Environment: FARM_BENCH_CASES (default "4x4,64x8"); FARM_BENCH_SIZES (4x4 sizes, default
// "20000,200000"); FARM_BENCH_SCALE_SIZES (64x8 sizes, default "100000"); FARM_BENCH_TPS (4x4
// output tokens/s per slot, default 4000); FARM_BENCH_PROMPT_TPS (4x4 prompt tokens/s per slot,
// default 10000); FARM_BENCH_WARMUP (4x4 warm-up records, default 2000); FARM_BENCH_REPEAT (runs of
// each size, default 1; medians are printed when > 1). Diagnostics: FARM_BENCH_TRACE=1 prints the
// busy-slot timeline of the first 4 s and the last 20 s (FARM_BENCH_TRACE_TAIL=S: S) of each run (at 64x8 the last wave is
// 4,000 - 7 x 512 = 416 calls: 96 slots wait out its ~13 s); FARM_BENCH_COORD_PROF=DIR and
// FARM_BENCH_PROF_DIR=DIR write V8 CPU profiles of the coordinator and of the 64x8 worker processes.
// A 25-record call is ~520 output and ~1000 prompt tokens: ~0.25 s of slot time in 4x4, ~14 s in 64x8.
import { fork, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createSimServer } from '@synthfarm/sim';
import { HEAP_GROWING_PERCENT } from '@synthfarm/core/heap-growth';

const CASES = (process.env.FARM_BENCH_CASES ?? '4x4,64x8').split(',');
const REPEAT = Number(process.env.FARM_BENCH_REPEAT ?? 1);
const CASE = {
  '4x4': {
    hosts: 4, slots: 4, tps: Number(process.env.FARM_BENCH_TPS ?? 4000), promptTps: Number(process.env.FARM_BENCH_PROMPT_TPS ?? 10000),
    sizes: (process.env.FARM_BENCH_SIZES ?? '20000,200000').split(',').map(Number), warmup: Number(process.env.FARM_BENCH_WARMUP ?? 2000),
    simProcs: 0, workerProcs: 0,
  },
  '64x8': {
    hosts: 64, slots: 8, tps: 40, promptTps: 1000, models: ['gemma3:4b'],
    sizes: (process.env.FARM_BENCH_SCALE_SIZES ?? '100000').split(',').map(Number), warmup: 2000,
    simProcs: 2, workerProcs: 4,
  },
};
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/synthfarm.js');
const CLK_TCK = 100;

const spec = (count, simUrl, slots) => `version: 1
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
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["${simUrl}"], slots: ${slots} }
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

const HOSTS_JS = fileURLToPath(new URL('./farm-hosts.mjs', import.meta.url));
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** A forked farm-hosts.mjs child with request/answer over IPC (answers come back in order). */
function forkHosts(role, cfg) {
  // Workers fix V8's old-space growth factor from their first GC, as `synthfarm worker` does (bin/synthfarm.js).
  const p = fork(HOSTS_JS, [role, JSON.stringify(cfg)], { cwd: ROOT, env: cliEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: role === 'workers' ? [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, ...(process.env.FARM_BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FARM_BENCH_PROF_DIR}`] : [])] : [] });
  p.err = '';
  p.stderr.setEncoding('utf8').on('data', (s) => (p.err += s));
  p.stdout.resume();
  const waiting = [];
  p.on('message', (m) => {
    const i = waiting.findIndex((w) => w.key in m);
    if (i < 0) return;
    const [w] = waiting.splice(i, 1);
    w.resolve(m[w.key]);
  });
  p.once('exit', (code) => waiting.splice(0).forEach((w) => w.reject(new Error(`[bench:farm] farm-hosts ${role} exited ${code}: ${p.err}`))));
  p.ask = (key, msg) => new Promise((resolve, reject) => {
    waiting.push({ key, resolve, reject });
    if (msg !== undefined) p.send(msg);
  });
  children.push(p);
  return p;
}

const sumStats = (xs) => ({ active: xs.reduce((n, s) => n + s.active, 0), busySlotMs: xs.reduce((n, s) => n + s.busySlotMs, 0), calls: xs.reduce((n, s) => n + s.calls, 0), tokensOut: xs.reduce((n, s) => n + s.tokensOut, 0) });

/** The case's simulated hosts: in this process (4x4), or `simProcs` forked processes (64x8). */
async function startSims(c) {
  const opts = { slots: c.slots, tokensPerSecond: c.tps, promptTokensPerSecond: c.promptTps, ...(c.models ? { models: c.models } : {}) };
  if (!c.simProcs) {
    const sims = [];
    for (let i = 0; i < c.hosts; i++) sims.push(createSimServer({ ...opts, maxQueue: 4096 }));
    const urls = [];
    for (const s of sims) urls.push((await s.listen(0)).url);
    return {
      urls, pids: [],
      reset: async () => sims.forEach((s) => s.reset()),
      stats: async () => sumStats(sims.map((s) => s.stats()).map((s) => ({ active: s.active, busySlotMs: s.busySlotMs, calls: s.requests['POST /api/chat'] ?? 0, tokensOut: s.tokensOut }))),
      close: () => Promise.all(sims.map((s) => s.close())),
    };
  }
  const per = Math.ceil(c.hosts / c.simProcs);
  const procs = Array.from({ length: c.simProcs }, (_, i) => forkHosts('sims', { ...opts, count: Math.min(per, c.hosts - i * per) }));
  const urls = (await Promise.all(procs.map((p) => p.ask('urls')))).flat();
  return {
    urls, pids: procs.map((p) => p.pid),
    reset: () => Promise.all(procs.map((p) => p.ask('reset', 'reset'))),
    stats: async () => sumStats(await Promise.all(procs.map((p) => p.ask('stats', 'stats')))),
    close: async () => procs.forEach((p) => p.connected && p.send('stop')),
  };
}

/** The case's workers: one `synthfarm worker` process per host (4x4), or `workerProcs` processes of several hosts each (64x8). */
async function startWorkers(c, urls, redisUrl) {
  const hosts = urls.map((url, i) => ({ name: `gpu${i + 1}`, url }));
  if (!c.workerProcs) {
    const ws = hosts.map((h) => start(process.execPath, [BIN, 'worker', '--redis', redisUrl, '--host', `${h.name}=${h.url}`, '--slots', String(c.slots), '--no-cache', '--no-schedules'], { cwd: ROOT, env: cliEnv }));
    for (const w of ws) {
      for (let i = 0; !/ serving /.test(w.err); i++) {
        if (w.exitCode !== null || i > 300) throw new Error('[bench:farm] a worker did not start: ' + w.err);
        await sleep(50);
      }
    }
    return ws;
  }
  const per = Math.ceil(c.hosts / c.workerProcs);
  const ws = Array.from({ length: c.workerProcs }, (_, i) => forkHosts('workers', { redisUrl, slots: c.slots, hosts: hosts.slice(i * per, (i + 1) * per) }));
  await Promise.all(ws.map((w) => w.ask('ready')));
  return ws;
}

const num = (info, k) => Number(new RegExp(`${k}:(\\d+)`).exec(info)?.[1] ?? 0);

async function runCase(name, c, redis, redisUrl, redisProc, dir) {
  const sims = await startSims(c);
  const workers = await startWorkers(c, sims.urls, redisUrl);
  const SLOTS = c.hosts * c.slots;
  console.log(`── ${name}: ${c.hosts} simulated hosts × ${c.slots} slots at ${c.tps} output (${c.promptTps} prompt) tokens/s per slot; ${c.simProcs ? `${c.simProcs} sim processes` : 'sims in the bench process'}, ${workers.length} worker processes; ${availableParallelism()} cores`);
  const results = [];
  const plan = [...(c.warmup > 0 ? [{ count: c.warmup, warmup: true }] : []), ...c.sizes.flatMap((count) => Array.from({ length: REPEAT }, () => ({ count, warmup: false })))];
  for (const { count, warmup } of plan) {
    const specPath = join(dir, `spec-${name}-${count}.yaml`);
    await writeFile(specPath, spec(count, sims.urls[0], c.slots));
    const out = join(dir, `out-${name}-${count}`);
    await sims.reset();
    const used0 = num(await redis.info('memory'), 'used_memory');
    const cmds0 = num(await redis.info('stats'), 'total_commands_processed');
    const cpu0 = { workers: await Promise.all(workers.map((w) => cpuSeconds(w.pid))), sims: await Promise.all(sims.pids.map(cpuSeconds)), redis: await cpuSeconds(redisProc.pid), self: process.cpuUsage() };

    // Slot occupancy timeline: where do idle slots come from?
    const timeline = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const st = await sims.stats();
        timeline.push([performance.now(), st.active]);
        await sleep(c.simProcs ? 100 : 25);
      }
    })();
    // FARM_BENCH_MONITOR=FILE: Redis's MONITOR during the measured run, with the spawn's epoch time first.
    const monitor = process.env.FARM_BENCH_MONITOR && !warmup ? spawn('redis-cli', ['-p', String(new URL(redisUrl).port), 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] }) : undefined;
    const monitorLines = [];
    monitor?.stdout.on('data', (d) => monitorLines.push(d));
    if (monitor) await sleep(200);
    const t0 = performance.now();
    const spawnedAt = Date.now();
    const coord = start(process.execPath, [...(process.env.FARM_BENCH_COORD_PROF && !warmup ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FARM_BENCH_COORD_PROF}`] : []), BIN, 'run', specPath, '--redis', redisUrl, '--out', out, '--json'], { cwd: ROOT, env: cliEnv });
    let redisPeak = used0;
    let opsPeak = 0;
    let coordHwm = 0;
    let coordCpu = 0;
    let workerRssPeak = 0;
    let running = true;
    coord.done.then(() => (running = false));
    while (running) {
      const [mem, st, m, cpu, wm] = await Promise.all([redis.info('memory'), redis.info('stats'), memOf(coord.pid), cpuSeconds(coord.pid), Promise.all(workers.map((w) => memOf(w.pid)))]);
      redisPeak = Math.max(redisPeak, num(mem, 'used_memory'));
      opsPeak = Math.max(opsPeak, num(st, 'instantaneous_ops_per_sec'));
      if (m) coordHwm = Math.max(coordHwm, m.hwmMB);
      if (cpu !== undefined) coordCpu = cpu;
      for (const x of wm) if (x) workerRssPeak = Math.max(workerRssPeak, x.rssMB);
      await sleep(200);
    }
    const { code } = await coord.done;
    const wallMs = performance.now() - t0;
    if (monitor) {
      monitor.kill();
      await writeFile(process.env.FARM_BENCH_MONITOR, `spawned ${spawnedAt / 1000} exited ${(spawnedAt + wallMs) / 1000}\n${Buffer.concat(monitorLines).toString()}`);
    }
    sampling = false;
    await sampler;
    const cmds = num(await redis.info('stats'), 'total_commands_processed') - cmds0;
    const phases = idlePhases(timeline, t0, t0 + wallMs, SLOTS);
    if (process.env.FARM_BENCH_TRACE) {
      const at = (from, to) => timeline.filter(([t]) => t - t0 >= from && t - t0 < to).map(([t, a]) => `${((t - t0) / 1000).toFixed(1)}:${a}`).join(' ');
      const tailS = Math.max(0, Math.min(20, Number(process.env.FARM_BENCH_TRACE_TAIL ?? 20), (wallMs - 4000) / 1000));
      console.log(`  busy slots, first 4 s (s:slots): ${at(0, 4000)}\n  busy slots, last ${tailS.toFixed(1)} s: ${at(wallMs - tailS * 1000, wallMs + 1)}`);
    }
    if (code !== 0) throw new Error(`[bench:farm] the run exited ${code}:\n${coord.err}`);
    const summary = JSON.parse(coord.out.trim().split('\n').at(-1));
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));

    const st = await sims.stats();
    const busy = st.busySlotMs;
    const idealMs = busy / SLOTS;
    const selfCpu = process.cpuUsage(cpu0.self);
    const delta = async (pids, before) => (await Promise.all(pids.map(cpuSeconds))).reduce((n, x, i) => n + (x - before[i]), 0);
    const workerCpu = await delta(workers.map((w) => w.pid), cpu0.workers);
    const simCpu = (await delta(sims.pids, cpu0.sims)) + (selfCpu.user + selfCpu.system) / 1e6;
    const redisCpu = (await cpuSeconds(redisProc.pid)) - cpu0.redis;
    const r = {
      count, wallMs, idealMs, busy, calls: st.calls, tokensOut: st.tokensOut,
      written: summary.datasets.tickets.written, rejected: summary.datasets.tickets.rejected,
      runMs: manifest.timings.totalMs,
      utilization: busy / (SLOTS * wallMs),
      ratio: wallMs / idealMs,
      phases,
      redisOps: cmds / (wallMs / 1000), redisOpsPeak: opsPeak,
      redisPeakMB: redisPeak / 2 ** 20, redisBaseMB: used0 / 2 ** 20,
      coordHwmMB: coordHwm, workerRssPeakMB: workerRssPeak,
      cpu: { workers: workerCpu, coordinator: coordCpu, sims: simCpu, redis: redisCpu },
    };
    await rm(out, { recursive: true, force: true });
    if (warmup) {
      console.log(`warm-up: ${count.toLocaleString()} records in ${(wallMs / 1000).toFixed(1)} s`);
      continue;
    }
    results.push(r);
    const cpuTotal = Object.values(r.cpu).reduce((a, b) => a + b, 0);
    console.log(`${count.toLocaleString()} records: ${r.written.toLocaleString()} written, ${r.rejected} rejected, ${r.calls} model calls, ${r.tokensOut.toLocaleString()} tokens out (avg call ${(busy / Math.max(1, r.calls)).toFixed(0)} ms of slot time)`);
    console.log(`  wall ${(wallMs / 1000).toFixed(1)} s from spawning \`synthfarm run --redis\` to its exit (manifest ${(r.runMs / 1000).toFixed(1)} s); ideal ${(idealMs / 1000).toFixed(1)} s → wall/ideal ${r.ratio.toFixed(3)}`);
    console.log(`  slot utilization ${(r.utilization * 100).toFixed(1)} % of ${SLOTS} slots over the command's wall (${((busy / (SLOTS * r.runMs)) * 100).toFixed(1)} % over the manifest's submit-to-finish time)`);
    console.log(`  idle slot-seconds: before the first call ${phases.start.toFixed(1)}, ramp-up to ${SLOTS} busy ${phases.ramp.toFixed(1)}, steady ${phases.steady.toFixed(1)}, tail after the last full moment ${phases.tail.toFixed(1)} (of ${((SLOTS * wallMs) / 1000).toFixed(1)})`);
    console.log(`  Redis ${r.redisOps.toFixed(0)} ops/s (commands / wall; peak instantaneous ${opsPeak}), used_memory peak ${r.redisPeakMB.toFixed(1)} MB (idle ${r.redisBaseMB.toFixed(1)} MB)`);
    console.log(`  coordinator peak RSS ${coordHwm.toFixed(0)} MB; worker process peak RSS ${workerRssPeak.toFixed(0)} MB (${c.workerProcs ? `${Math.ceil(c.hosts / c.workerProcs)} hosts each` : 'one host each'})`);
    console.log(`  CPU s: workers ${workerCpu.toFixed(1)}, coordinator ${coordCpu.toFixed(1)}, sims+bench ${simCpu.toFixed(1)}, redis ${redisCpu.toFixed(1)} = ${cpuTotal.toFixed(1)} of ${((availableParallelism() * wallMs) / 1000).toFixed(1)} available (${((cpuTotal / ((availableParallelism() * wallMs) / 1000)) * 100).toFixed(0)} %)`);
  }

  console.log(`summary ${name}${REPEAT > 1 ? ` (medians of ${REPEAT})` : ''}:`);
  const bySize = c.sizes.map((count) => {
    const rs = results.filter((r) => r.count === count);
    const med = (f) => median(rs.map(f));
    return { count, utilization: med((r) => r.utilization), ratio: med((r) => r.ratio), start: med((r) => r.phases.start), redisOps: med((r) => r.redisOps), redisPeakMB: med((r) => r.redisPeakMB), coordHwmMB: med((r) => r.coordHwmMB), workerRssPeakMB: med((r) => r.workerRssPeakMB), cpuWorkers: med((r) => r.cpu.workers), cpuCoord: med((r) => r.cpu.coordinator) };
  });
  for (const r of bySize) console.log(`  ${String(r.count).padStart(7)}: utilization ${(r.utilization * 100).toFixed(1)} %, wall/ideal ${r.ratio.toFixed(3)}, idle before the first call ${r.start.toFixed(1)} slot-s; Redis ${r.redisOps.toFixed(0)} ops/s, peak ${r.redisPeakMB.toFixed(1)} MB; coordinator ${r.cpuCoord.toFixed(1)} CPU s, ${r.coordHwmMB.toFixed(0)} MB; workers ${r.cpuWorkers.toFixed(1)} CPU s, ${r.workerRssPeakMB.toFixed(0)} MB per process`);
  if (bySize.length >= 2) {
    const [a, b] = [bySize[0], bySize.at(-1)];
    console.log(`  ${a.count.toLocaleString()} → ${b.count.toLocaleString()}: Redis peak ×${(b.redisPeakMB / a.redisPeakMB).toFixed(2)}, coordinator RSS ×${(b.coordHwmMB / a.coordHwmMB).toFixed(2)}, worker RSS ×${(b.workerRssPeakMB / a.workerRssPeakMB).toFixed(2)} (flat ≈ 1.0)`);
  }
  console.log('');
  for (const w of workers) if (w.connected) w.send('stop');
  else w.kill('SIGTERM');
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
  await sims.close();
}

const dir = await mkdtemp(join(tmpdir(), 'synthfarm-bench-farm-'));
let redisProc;
let redis;
try {
  console.log('spec: id + name + choice (code) and 2 short llm fields; 25 records per call, 100 per batch\n');
  for (const name of CASES) {
    // Redis: private per case, no persistence.
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
    await runCase(name, CASE[name], redis, redisUrl, redisProc, dir);
    redis.disconnect();
    redisProc.kill('SIGKILL');
  }
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  redis?.disconnect();
  await rm(dir, { recursive: true, force: true });
}
