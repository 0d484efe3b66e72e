// npm run bench:report — what report.html costs a run (DESIGN §10: under 50 ms and 10 MB added).
// jobs/loadtest-customers.yaml (10,000 customers + 30,000 orders, CSV and JSONL), embedded, run
// with the report and without it (`report: false`: no summaries in the threads, no report files),
// each run in its own process; runs alternate. Prints the medians of run time (createRun →
// published), peak RSS and CPU (all threads), and the differences against the budget.
// Not a test: machines here are shared and noisy (BENCH_ROUNDS, default 7; read the medians).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const child = fileURLToPath(new URL('./report-child.mjs', import.meta.url));

function runChild(mode, dir) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, mode, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`${mode} exited ${code}: ${err}`))));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`bench:report — jobs/loadtest-customers.yaml (40,000 records, csv+jsonl) with and without report.html, ${rounds} rounds, ${availableParallelism()} cores`);
const results = { with: [], without: [] };
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 ? ['without', 'with'] : ['with', 'without']) {
    const dir = mkdtempSync(join(tmpdir(), `bench-report-${mode}-`));
    try {
      const res = await runChild(mode, dir);
      if (res.report !== (mode === 'with')) throw new Error(`${mode}: the manifest ${res.report ? 'lists' : 'lacks'} a report`);
      results[mode].push(res);
      console.log(`  round ${r + 1} ${mode.padEnd(7)} ${res.ms.toFixed(0).padStart(6)} ms  ${res.peakRssMB.toFixed(1).padStart(6)} MB peak RSS  ${res.cpuMs.toFixed(0).padStart(6)} ms CPU`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
const m = (mode, k) => median(results[mode].map((x) => x[k]));
const dMs = m('with', 'ms') - m('without', 'ms');
const dMb = m('with', 'peakRssMB') - m('without', 'peakRssMB');
const dCpu = m('with', 'cpuMs') - m('without', 'cpuMs');
console.log(`median run time: with ${m('with', 'ms').toFixed(0)} ms, without ${m('without', 'ms').toFixed(0)} ms → added ${dMs.toFixed(0)} ms (target < 50 ms) ${dMs < 50 ? 'MET' : 'NOT MET'}`);
console.log(`median peak RSS: with ${m('with', 'peakRssMB').toFixed(1)} MB, without ${m('without', 'peakRssMB').toFixed(1)} MB → added ${dMb.toFixed(1)} MB (target < 10 MB) ${dMb < 10 ? 'MET' : 'NOT MET'}`);
console.log(`median CPU (all threads): with ${m('with', 'cpuMs').toFixed(0)} ms, without ${m('without', 'cpuMs').toFixed(0)} ms → added ${dCpu.toFixed(0)} ms`);
// The load on a shared machine drifts over a bench: the two runs of a round ran back to back, so
// the median of the rounds' own differences is the steadier reading.
const paired = (k) => median(results.with.map((w, i) => w[k] - results.without[i][k]));
console.log(`median of per-round differences: run time ${paired('ms').toFixed(0)} ms, peak RSS ${paired('peakRssMB').toFixed(1)} MB, CPU ${paired('cpuMs').toFixed(0)} ms`);
