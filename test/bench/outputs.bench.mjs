// npm run bench:outputs — what big-output options cost: jobs/loadtest-customers.yaml's customers
// (code fields only) at BENCH_COUNT records (default 200,000), written embedded as plain CSV (the
// baseline), CSV with `output.gzip` (one gzip member per 10,000 records), and Parquet. Each run is
// its own CLI process under /usr/bin/time (wall, user+sys CPU, peak RSS); variants alternate over
// BENCH_ROUNDS rounds (default 3) and medians are printed with ratios to the baseline.
// Also: the size cost of the member boundaries, the gzip file against the same CSV compressed as
// one member at the same level.
// Not a test: machines here are shared and noisy; compare the ratios of one run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const count = Number(process.env.BENCH_COUNT ?? 200_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'apps/cli/bin/synthfarm.js');
const job = readFileSync(join(root, 'jobs/loadtest-customers.yaml'), 'utf8');
// customers only, at `count`, with the variant's output section.
const customers = job.slice(0, job.indexOf('  - name: orders')).replace('count: 10000', `count: ${count}`).replace('seed: ${SEED:-42}', 'seed: 42');
const variants = {
  csv: '{ formats: [csv] }',
  'csv.gz': '{ formats: [csv], gzip: true }',
  parquet: '{ formats: [parquet] }',
};

const dir = mkdtempSync(join(tmpdir(), 'synthfarm-bench-outputs-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(name, round) {
  const spec = join(dir, `${name}.yaml`);
  writeFileSync(spec, `${customers}output: ${variants[name]}\n`);
  const out = join(dir, `${name}-${round}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('/usr/bin/time', ['-f', '%U %S %M', process.execPath, bin, 'run', spec, '--out', out, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${name} exited ${code}: ${err}`));
      const [user, sys, rssKb] = err.trim().split('\n').at(-1).split(' ').map(Number);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      const file = manifest.datasets.customers.files[0];
      resolve({ wallMs, cpuMs: (user + sys) * 1000, rssMb: rssKb / 1024, bytes: file.bytes, path: join(out, file.path), out });
    });
  });
}

const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const name of Object.keys(variants)) {
    const res = await run(name, r);
    results[name].push(res);
    if (r < rounds - 1) rmSync(res.out, { recursive: true, force: true });
  }
}

console.log(`bench:outputs — ${count} customers (jobs/loadtest-customers.yaml), ${rounds} rounds, medians; shared machine: figures are noisy, compare ratios`);
const base = results.csv;
const row = (name) => {
  const xs = results[name];
  const wall = median(xs.map((x) => x.wallMs));
  const cpu = median(xs.map((x) => x.cpuMs));
  return `${name.padEnd(8)} wall ${(wall / 1000).toFixed(2)} s (×${(wall / median(base.map((x) => x.wallMs))).toFixed(2)})  cpu ${(cpu / 1000).toFixed(2)} s (×${(cpu / median(base.map((x) => x.cpuMs))).toFixed(2)})  rss ${median(xs.map((x) => x.rssMb)).toFixed(0)} MB  size ${(xs[0].bytes / 1e6).toFixed(2)} MB (×${(xs[0].bytes / base[0].bytes).toFixed(3)})`;
};
for (const name of Object.keys(variants)) console.log(row(name));

// The member boundaries' cost: the same CSV as one gzip member, same level.
const gz = readFileSync(results['csv.gz'].at(-1).path);
const text = gunzipSync(gz);
const single = gzipSync(text, { level: 6 });
console.log(`gzip members: ${gz.length} bytes in ${Math.ceil(count / 10_000)} members vs ${single.length} as one member: +${(((gz.length - single.length) / single.length) * 100).toFixed(2)}%`);
rmSync(dir, { recursive: true, force: true });
