// Migration benchmark (`npm run bench:migrate`), part (a): profiling. Not a test: it prints figures.
//
// 1. synthfarm generates a 1,000,000-row legacy-like customers table (keys, names, emails, phones,
//    categories, dates, money, free text with 5% "NULL" sentinels) to CSV, and psql's \copy loads
//    it into a fresh PostgreSQL database (COPY).
// 2. `synthfarm profile postgres://...` on that table: wall seconds and peak RSS (VmHWM of the
//    CLI process, polled from /proc). Target: < 30 s.
// 3. `synthfarm profile file.csv` on the first 100,000 rows and on all 1,000,000: seconds and peak
//    RSS, which should be flat in row count (sketches are capped; rows are not kept).
//
// Environment: MIGRATE_BENCH_ROWS (default 1000000), SYNTHFARM_TEST_PG (admin URL, default
// postgres://postgres@127.0.0.1:5432/postgres).
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROWS = Number(process.env.MIGRATE_BENCH_ROWS ?? 1_000_000);
const ADMIN = process.env.SYNTHFARM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/synthfarm.js');

const SPEC = `version: 1
seed: 7
datasets:
  - name: legacy_customers
    count: ${ROWS}
    batchSize: 5000
    fields:
      id: { kind: sequence, start: 1 }
      code: { kind: faker, method: helpers.fromRegExp, args: ["[A-Z]{3}[0-9]{5}"] }
      contact_name: { kind: faker, method: person.fullName }
      email: { kind: template, template: "{{contact_name}}@mail.example", lower: true, nullRate: 0.05 }
      phone: { kind: faker, method: helpers.fromRegExp, args: ["([0-9]{3}) [0-9]{3}-[0-9]{4}"], nullRate: 0.03 }
      country: { kind: choice, weights: { DE: 35, FR: 20, UK: 15, US: 15, ES: 8, IT: 7 } }
      signup: { kind: date, from: 2004-01-01, to: 2019-12-31, nullRate: 0.05 }
      credit_limit: { kind: lognormal, mu: 8, sigma: 0.6, round: 2 }
      orders: { kind: poisson, lambda: 6, correlate: { with: credit_limit, r: 0.5 } }
      notes: { kind: faker, method: lorem.sentence, nullRate: 0.3 }
`;

/** Runs a command; resolves with wall ms and peak RSS (VmHWM, MB) of the process. */
function measure(cmd, args, opts = {}) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let peak = 0;
    let err = '';
    let out = '';
    const poll = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8').then((s) => {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
        if (kb > peak) peak = kb;
      }, () => {});
    }, 25);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) return fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      done({ ms: performance.now() - t0, rssMb: peak / 1024, out, err });
    });
  });
}

async function headLines(src, dst, n) {
  const rl = createInterface({ input: createReadStream(src) });
  const w = createWriteStream(dst);
  let i = 0;
  for await (const line of rl) {
    if (i++ > n) break;
    w.write(line + '\n');
  }
  await new Promise((r) => w.end(r));
}

const dir = await mkdtemp(join(tmpdir(), 'sf-bench-migrate-'));
const dbName = `synthfarm_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = ADMIN.replace(/\/[^/]*$/, `/${dbName}`);
try {
  await writeFile(join(dir, 'legacy.yaml'), SPEC);
  const gen = await measure(process.execPath, [BIN, 'run', join(dir, 'legacy.yaml'), '--out', join(dir, 'gen'), '--offline']);
  console.log(`generated ${ROWS.toLocaleString('en')} rows with synthfarm in ${(gen.ms / 1000).toFixed(1)} s`);
  const csv = join(dir, 'gen', 'legacy_customers.csv');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`CREATE TABLE legacy_customers (id integer PRIMARY KEY, code text, contact_name text, email text, phone text, country text,
    signup date, credit_limit numeric(12,2), orders integer, notes text)`);
  await c.end();
  const copy = await measure('psql', [url, '-q', '-c', `\\copy legacy_customers FROM '${csv}' WITH (FORMAT csv, HEADER true)`]);
  console.log(`COPY into PostgreSQL: ${(copy.ms / 1000).toFixed(1)} s`);
  await measure('psql', [url, '-q', '-c', 'VACUUM ANALYZE legacy_customers']);

  const rows = [];
  const pgRun = await measure(process.execPath, [BIN, 'profile', url, '--out', join(dir, 'pg.yaml')]);
  rows.push([`profile PostgreSQL table, ${ROWS.toLocaleString('en')} rows`, pgRun]);
  const small = join(dir, 'small.csv');
  const n100 = Math.round(ROWS / 10);
  await headLines(csv, small, n100);
  const csvSmall = await measure(process.execPath, [BIN, 'profile', small, '--out', join(dir, 'small.yaml')]);
  rows.push([`profile CSV, ${n100.toLocaleString('en')} rows`, csvSmall]);
  const csvBig = await measure(process.execPath, [BIN, 'profile', csv, '--out', join(dir, 'big.yaml')]);
  rows.push([`profile CSV, ${ROWS.toLocaleString('en')} rows`, csvBig]);

  console.log('\n| bench | seconds | peak RSS | rows/s |');
  console.log('|---|---|---|---|');
  for (const [name, r] of rows) {
    const n = name.includes(n100.toLocaleString('en')) && !name.includes('PostgreSQL') ? n100 : ROWS;
    console.log(`| ${name} | ${(r.ms / 1000).toFixed(1)} | ${r.rssMb.toFixed(0)} MB | ${Math.round(n / (r.ms / 1000)).toLocaleString('en')} |`);
  }
  console.log(`\nCSV peak RSS ${n100.toLocaleString('en')} → ${ROWS.toLocaleString('en')} rows: ${csvSmall.rssMb.toFixed(0)} → ${csvBig.rssMb.toFixed(0)} MB (target: flat); PostgreSQL profile ${(pgRun.ms / 1000).toFixed(1)} s (target < 30 s)`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
}
