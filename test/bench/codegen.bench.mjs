// npm run bench:codegen — customers from jobs/loadtest-customers.yaml (code fields only, a unique
// template email) to CSV, synthfarm (embedded, code threads) against a plain single-threaded
// @faker-js/faker + csv-stringify loop writing the same columns, at 1,000,000 and 200,000 records.
// Each run is its own process (peak RSS is its own) and is timed from spawn to exit: start-up,
// module loading and thread start are included, as the user sees them. Runs alternate; prints
// medians and the ratio of throughputs (synthfarm/baseline) against the targets.
// Not a test: machines here are shared and noisy (BENCH_ROUNDS=3 at least; the ratio of one run
// is what to compare). BENCH_COUNTS=1000000,200000 picks the sizes. CPU is user+sys of all of a
// run's threads: what the run costs the machine, and steadier than wall time on a busy one.
// synthfarm runs as the user runs it: `synthfarm run SPEC --out DIR` (the CLI, in the child).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const counts = (process.env.BENCH_COUNTS ?? process.env.BENCH_COUNT ?? '1000000,200000').split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const targets = { 1_000_000: 1.5, 200_000: 1.2 };
const RSS_TARGET_MB = 300;
const child = fileURLToPath(new URL('./codegen-child.mjs', import.meta.url));

/** One child run: wall time from spawn to exit, and what the child reports. */
function runChild(mode, count, dir, spec) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [child, mode, String(count), dir, ...(spec ? [spec] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${mode} ${count} exited ${code}: ${err}`));
      resolve({ ...JSON.parse(out.trim().split('\n').at(-1)), wallMs });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`bench:codegen — customers to CSV at ${counts.map((c) => c.toLocaleString()).join(' and ')} records, ${rounds} rounds each, ${availableParallelism()} cores; time from spawn to exit`);
const summary = [];
const specDir = mkdtempSync(join(tmpdir(), 'bench-specs-'));
process.on('exit', () => rmSync(specDir, { recursive: true, force: true }));
/** jobs/loadtest-customers.yaml cut to what the baseline writes: customers only, `count` of them, CSV. */
function specFor(count) {
  const spec = parse(readFileSync(new URL('../../jobs/loadtest-customers.yaml', import.meta.url), 'utf8'));
  spec.seed = 42;
  spec.datasets = spec.datasets.slice(0, 1);
  spec.datasets[0].count = count;
  spec.output = { ...spec.output, formats: ['csv'] };
  const file = join(specDir, `customers-${count}.yaml`);
  writeFileSync(file, stringify(spec));
  return file;
}
for (const count of counts) {
  const spec = specFor(count);
  const results = { synthfarm: [], baseline: [] };
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const round = {};
    for (const mode of r % 2 ? ['baseline', 'synthfarm'] : ['synthfarm', 'baseline']) {
      const dir = mkdtempSync(join(tmpdir(), `bench-${mode}-`));
      try {
        round[mode] = await runChild(mode, count, dir, mode === 'synthfarm' ? spec : undefined);
      } catch (e) {
        console.error(e.message);
        process.exit(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const m = round[mode];
      results[mode].push(m);
      console.log(`  ${count.toLocaleString().padStart(9)} round ${r + 1} ${mode.padEnd(9)} ${(m.wallMs / 1000).toFixed(2).padStart(6)} s ${Math.round(count / (m.wallMs / 1000)).toLocaleString().padStart(9)} records/s  peak RSS ${m.peakRssMB.toFixed(0)} MB  CPU ${(m.cpuMs / 1000).toFixed(2)} s`);
    }
    ratios.push(round.baseline.wallMs / round.synthfarm.wallMs);
  }
  const sf = median(results.synthfarm.map((m) => m.wallMs));
  const base = median(results.baseline.map((m) => m.wallMs));
  const sfRss = median(results.synthfarm.map((m) => m.peakRssMB));
  const baseRss = median(results.baseline.map((m) => m.peakRssMB));
  const sfCpu = median(results.synthfarm.map((m) => m.cpuMs));
  const baseCpu = median(results.baseline.map((m) => m.cpuMs));
  summary.push({ count, sf, base, sfRss, baseRss, sfCpu, baseCpu, ratio: base / sf, roundRatio: median(ratios), maxRss: Math.max(...results.synthfarm.map((m) => m.peakRssMB)) });
}
console.log('');
for (const s of summary) {
  const target = targets[s.count];
  console.log(`${s.count.toLocaleString().padStart(9)} records: synthfarm median ${(s.sf / 1000).toFixed(2)} s (${Math.round(s.count / (s.sf / 1000)).toLocaleString()} records/s, peak RSS ${s.sfRss.toFixed(0)} MB, max ${s.maxRss.toFixed(0)}, CPU ${(s.sfCpu / 1000).toFixed(2)} s), baseline ${(s.base / 1000).toFixed(2)} s (${Math.round(s.count / (s.base / 1000)).toLocaleString()} records/s, ${s.baseRss.toFixed(0)} MB, CPU ${(s.baseCpu / 1000).toFixed(2)} s)`);
  console.log(`${' '.repeat(18)}ratio synthfarm/baseline ${s.ratio.toFixed(2)} (median of per-round ratios ${s.roundRatio.toFixed(2)})${target ? `, target >= ${target}: ${s.ratio >= target ? 'met' : 'NOT met'}` : ''}; peak RSS target < ${RSS_TARGET_MB} MB: ${s.maxRss < RSS_TARGET_MB ? 'met' : 'NOT met'}`);
}
