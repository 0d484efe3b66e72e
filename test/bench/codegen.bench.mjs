// npm run bench:codegen — 1,000,000 customers from jobs/loadtest-customers.yaml (code fields
// only) to CSV, synthfarm against a plain single-threaded @faker-js/faker + csv-stringify loop
// writing the same columns. Runs alternate, each in its own process (peak RSS is its own);
// prints medians and the ratio synthfarm/baseline. Not a test: machines here are shared and noisy.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const count = Number(process.env.BENCH_COUNT ?? 1_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const child = fileURLToPath(new URL('./codegen-child.mjs', import.meta.url));
const results = { synthfarm: [], baseline: [] };

console.log(`bench:codegen — ${count.toLocaleString()} customers to CSV, ${rounds} rounds each, ${availableParallelism()} cores`);
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 ? ['baseline', 'synthfarm'] : ['synthfarm', 'baseline']) {
    const dir = mkdtempSync(join(tmpdir(), `bench-${mode}-`));
    const res = spawnSync(process.execPath, [child, mode, String(count), dir], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    if (res.status !== 0) {
      console.error(res.stderr);
      process.exit(1);
    }
    const m = JSON.parse(res.stdout.trim().split('\n').at(-1));
    results[mode].push(m);
    console.log(`  round ${r + 1} ${mode.padEnd(9)} ${Math.round(m.recordsPerSec).toLocaleString().padStart(9)} records/s  peak RSS ${m.peakRssMB.toFixed(0)} MB`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sf = median(results.synthfarm.map((m) => m.recordsPerSec));
const base = median(results.baseline.map((m) => m.recordsPerSec));
const sfRss = median(results.synthfarm.map((m) => m.peakRssMB));
const baseRss = median(results.baseline.map((m) => m.peakRssMB));
console.log('');
console.log(`synthfarm  median ${Math.round(sf).toLocaleString()} records/s, peak RSS ${sfRss.toFixed(0)} MB`);
console.log(`baseline   median ${Math.round(base).toLocaleString()} records/s, peak RSS ${baseRss.toFixed(0)} MB`);
console.log(`ratio synthfarm/baseline: ${(sf / base).toFixed(2)} (target >= 1.0); synthfarm peak RSS ${sfRss < 300 ? '<' : '>='} 300 MB target`);
