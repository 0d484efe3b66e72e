// Migration benchmark (`npm run bench:migrate`). Not a test: it prints figures.
//
// 1. synthfarm generates a 1,000,000-row legacy-like customers table (keys, names, emails, phones,
//    categories, dates, money, free text with 5% "NULL" sentinels) to CSV, and psql's \copy loads
//    it into a fresh PostgreSQL database (COPY).
// Part (a), profiling:
// 2. `synthfarm profile postgres://...` on that table: wall seconds and peak RSS (VmHWM of the
//    CLI process, polled from /proc). Target: < 30 s.
// 3. `synthfarm profile file.csv` on the first 100,000 rows and on all 1,000,000: seconds and peak
//    RSS, which should be flat in row count (sketches are capped; rows are not kept).
// Part (b), transform and load:
// 4. `synthfarm run` of a transform spec over the legacy CSV (`from` fields with map/parse, keyed
//    pseudonyms, a template) with output.postgres mode insert into a fresh target database, timed
//    from spawn to exit. In the same target database and the same round, the rows it produced (its
//    CSV output) are loaded twice more into tables LIKE its table (same types, same primary key):
//    raw `COPY ... FROM STDIN` (pg-copy-streams; the physical limit) and a naive loop of multi-row
//    INSERTs (1,000 rows per statement through `pg`). Target: transform-and-load >= 50% of raw COPY.
//    Where Debian's pgloader is installed (`apt-get install pgloader`; skipped otherwise), the peer
//    that runs here also loads the same legacy CSV into a table LIKE the target with the transform
//    it can express (the rename, the UK → GB map, the phone's trim, the label template, as Lisp
//    `using` expressions): it has no keyed pseudonyms, so its code, name and email are the legacy
//    values copied through. Spawn to exit, as synthfarm's run.
//
// Environment: BENCH_ROWS or MIGRATE_BENCH_ROWS (default 1000000), BENCH_ROUNDS (part (b) rounds,
// default 1; medians printed), MIGRATE_BENCH_PARTS (`a`, `b` or `a,b`, default `a,b`),
// SYNTHFARM_TEST_PG (admin URL, default postgres://postgres@127.0.0.1:5432/postgres).
// Every database it creates has a unique name and is dropped at the end, on failure too.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parse } from 'csv-parse';

const ROWS = Number(process.env.BENCH_ROWS ?? process.env.MIGRATE_BENCH_ROWS ?? 1_000_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const PARTS = (process.env.MIGRATE_BENCH_PARTS ?? 'a,b').split(',').map((p) => p.trim());
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

const KEY = 'migrate-bench-pseudonym-key';
const COLUMNS = ['id', 'code', 'name', 'email', 'phone', 'country', 'joined', 'credit_limit', 'orders', 'notes', 'label'];

/** The transform spec of part (b): the legacy CSV → customers in `target`, with a CSV of the output rows. */
const transformSpec = (legacyDir, outDir, target) => `version: 1
sources:
  legacy: { dir: ${JSON.stringify(legacyDir)} }
datasets:
  - name: customers
    batchSize: 5000
    source: { from: legacy, csv: legacy_customers.csv, key: id }
    fields:
      id:           { kind: from, column: id }
      code:         { kind: pseudonym, column: code, method: string.uuid, unique: true }
      name:         { kind: pseudonym, column: contact_name, method: person.fullName }
      email:        { kind: pseudonym, column: email, method: internet.email }
      phone:        { kind: from, column: phone, parse: trim }
      country:      { kind: from, column: country, map: { UK: GB } }
      joined:       { kind: from, column: signup, parse: { date: ["YYYY-MM-DD", "DD/MM/YYYY"] } }
      credit_limit: { kind: from, column: credit_limit, parse: { number: { thousands: "", decimal: "." } } }
      orders:       { kind: from, column: orders, parse: { number: { thousands: "", decimal: "." } } }
      notes:        { kind: from, column: notes }
      label:        { kind: template, template: "{{country}}-{{source.id}}" }
output:
  formats: [csv]
  dir: ${JSON.stringify(outDir)}
  escapeFormulas: false
  postgres: { url: "${target}", mode: insert }
`;

/** Debian's pgloader, when installed: the migration peer that runs on this machine. */
const PGLOADER = spawnSync('pgloader', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * pgloader's command for part (b): the legacy CSV into `table` of `url`, with what of the transform
 * pgloader can say (no pseudonyms: code, name and email go through as they are).
 */
const pgloaderCommand = (csv, url, table) => `LOAD CSV
  FROM '${csv}'
    HAVING FIELDS (id, code, contact_name, email, phone, country, signup, credit_limit, orders, notes)
  INTO ${url}
    TARGET TABLE ${table}
    TARGET COLUMNS (
      id, code, name text using (identity contact_name), email,
      phone text using (and phone (string-trim " " phone)),
      country text using (and country (if (string= country "UK") "GB" country)),
      joined text using (identity signup), credit_limit, orders, notes,
      label text using (format nil "~a-~a" (if (and country (string= country "UK")) "GB" country) id)
    )
  WITH skip header = 1, fields optionally enclosed by '"', fields escaped by double-quote, fields terminated by ','
;
`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rate = (n, ms) => n / (ms / 1000);
const fmt = (n) => Math.round(n).toLocaleString('en');

/**
 * Starts each timed loader from the same quiet machine: the server's dirty buffers written
 * (CHECKPOINT) and the kernel's dirty pages flushed (sync), so none pays for the writes of what
 * ran before it (the 370 MB of legacy files generated before round 1, the loads of the round before).
 */
async function quiesce(url) {
  await new Promise((done, fail) => spawn('sync', [], { stdio: 'ignore' }).on('error', fail).on('close', done));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

/** Raw COPY of the produced CSV into `table`: wall ms from connect to commit. */
async function rawCopy(url, table, csv) {
  const t0 = performance.now();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = COLUMNS.map((x) => `"${x}"`).join(', ');
    await pipeline(createReadStream(csv), c.query(copyFrom(`COPY ${table} (${cols}) FROM STDIN WITH (FORMAT csv, HEADER true)`)));
  } finally {
    await c.end();
  }
  return performance.now() - t0;
}

/** A naive loader: parse the CSV, one multi-row INSERT per 1,000 rows (autocommit). Wall ms. */
async function batchedInsert(url, table, csv) {
  const t0 = performance.now();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const parser = createReadStream(csv).pipe(parse({
      columns: true,
      // An unquoted empty cell is NULL (as COPY reads it), a quoted one ''.
      cast: (v, ctx) => (v === '' && !ctx.quoting ? null : v),
    }));
    const cols = COLUMNS.map((x) => `"${x}"`).join(', ');
    let batch = [];
    const flush = async () => {
      if (!batch.length) return;
      const params = [];
      const tuples = batch.map((r) => `(${COLUMNS.map((col) => (params.push(r[col]), `$${params.length}`)).join(', ')})`);
      await c.query(`INSERT INTO ${table} (${cols}) VALUES ${tuples.join(', ')}`, params);
      batch = [];
    };
    for await (const row of parser) {
      batch.push(row);
      if (batch.length === 1000) await flush();
    }
    await flush();
  } finally {
    await c.end();
  }
  return performance.now() - t0;
}

const dir = await mkdtemp(join(tmpdir(), 'sf-bench-migrate-'));
const tag = `${process.pid}_${Date.now().toString(36)}`;
const dbName = `synthfarm_bench_${tag}`;
const created = [];
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
const createDb = async (name) => {
  await admin.query(`CREATE DATABASE ${name}`);
  created.push(name);
  return ADMIN.replace(/\/[^/]*$/, `/${name}`);
};
const dropDb = async (name) => {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  created.splice(created.indexOf(name), 1);
};
try {
  await writeFile(join(dir, 'legacy.yaml'), SPEC);
  const gen = await measure(process.execPath, [BIN, 'run', join(dir, 'legacy.yaml'), '--out', join(dir, 'gen'), '--offline']);
  console.log(`generated ${ROWS.toLocaleString('en')} rows with synthfarm in ${(gen.ms / 1000).toFixed(1)} s`);
  const csv = join(dir, 'gen', 'legacy_customers.csv');

  if (PARTS.includes('a')) {
    const url = await createDb(dbName);
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

    console.log('\n(a) profile\n| bench | seconds | peak RSS | rows/s |');
    console.log('|---|---|---|---|');
    for (const [name, r] of rows) {
      const n = name.includes(n100.toLocaleString('en')) && !name.includes('PostgreSQL') ? n100 : ROWS;
      console.log(`| ${name} | ${(r.ms / 1000).toFixed(1)} | ${r.rssMb.toFixed(0)} MB | ${Math.round(n / (r.ms / 1000)).toLocaleString('en')} |`);
    }
    console.log(`\nCSV peak RSS ${n100.toLocaleString('en')} → ${ROWS.toLocaleString('en')} rows: ${csvSmall.rssMb.toFixed(0)} → ${csvBig.rssMb.toFixed(0)} MB (target: flat); PostgreSQL profile ${(pgRun.ms / 1000).toFixed(1)} s (target < 30 s)\n`);
    await dropDb(dbName);
  }

  if (PARTS.includes('b')) {
    const res = { transform: [], copy: [], insert: [], pgloader: [], rss: [] };
    if (!PGLOADER) console.log('(b) pgloader is not installed: its loader is skipped (apt-get install pgloader)');
    let loaded = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const name = `${dbName}_t${r}`;
      const url = await createDb(name);
      const out = join(dir, `out${r}`);
      const specPath = join(dir, `transform${r}.yaml`);
      await writeFile(specPath, transformSpec(join(dir, 'gen'), out, url));
      await quiesce(url);
      const tr = await measure(process.execPath, [BIN, 'run', specPath, '--max-rejects', '100%', '--json'], {
        env: { ...process.env, SYNTHFARM_PSEUDONYM_KEY: KEY },
      });
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      loaded = Number((await c.query('SELECT count(*) AS n FROM customers')).rows[0].n);
      // Same types and the same primary key as the table synthfarm created.
      await c.query('CREATE TABLE copy_customers (LIKE customers INCLUDING ALL)');
      await c.query('CREATE TABLE insert_customers (LIKE customers INCLUDING ALL)');
      const outCsv = join(out, 'customers.csv');
      await quiesce(url);
      const copyMs = await rawCopy(url, 'copy_customers', outCsv);
      await quiesce(url);
      const insertMs = await batchedInsert(url, 'insert_customers', outCsv);
      let pgloaderMs;
      if (PGLOADER) {
        await c.query('CREATE TABLE pgloader_customers (LIKE customers INCLUDING ALL)');
        const loadFile = join(dir, `pgloader${r}.load`);
        await writeFile(loadFile, pgloaderCommand(csv, url, 'pgloader_customers'));
        await quiesce(url);
        pgloaderMs = (await measure('pgloader', ['--root-dir', join(dir, `pgloader${r}`), '--logfile', join(dir, `pgloader${r}.log`), loadFile])).ms;
      }
      const counts = (await c.query(`SELECT (SELECT count(*) FROM copy_customers) AS copied, (SELECT count(*) FROM insert_customers) AS inserted${PGLOADER ? ', (SELECT count(*) FROM pgloader_customers) AS pgloaded' : ''}`)).rows[0];
      await c.end();
      // COPY and INSERT load the transform's output; pgloader every row of the legacy file (it rejects nothing here).
      if (Number(counts.copied) !== loaded || Number(counts.inserted) !== loaded || (PGLOADER && Number(counts.pgloaded) !== ROWS)) {
        throw new Error(`row counts differ: transform loaded ${loaded}, COPY ${counts.copied}, INSERT ${counts.inserted}${PGLOADER ? `, pgloader ${counts.pgloaded} of ${ROWS}` : ''}`);
      }
      if (pgloaderMs !== undefined) res.pgloader.push(rate(ROWS, pgloaderMs));
      res.transform.push(rate(loaded, tr.ms));
      res.copy.push(rate(loaded, copyMs));
      res.insert.push(rate(loaded, insertMs));
      res.rss.push(tr.rssMb);
      console.log(`(b) round ${r + 1}/${ROUNDS}: ${fmt(loaded)} rows loaded (of ${fmt(ROWS)}); transform+load ${(tr.ms / 1000).toFixed(1)} s (peak RSS ${tr.rssMb.toFixed(0)} MB), raw COPY ${(copyMs / 1000).toFixed(1)} s, batched INSERT ${(insertMs / 1000).toFixed(1)} s${pgloaderMs !== undefined ? `, pgloader ${(pgloaderMs / 1000).toFixed(1)} s` : ''}`);
      await rm(out, { recursive: true, force: true });
      await dropDb(name);
    }
    const t = median(res.transform);
    const cp = median(res.copy);
    const ins = median(res.insert);
    console.log(`\n(b) transform and load, ${fmt(loaded)} rows${ROUNDS > 1 ? `, medians of ${ROUNDS} rounds` : ''}`);
    console.log('| loader | rows/s |');
    console.log('|---|---|');
    console.log(`| synthfarm run (transform + pseudonyms + PostgreSQL insert), spawn to exit, peak RSS ${median(res.rss).toFixed(0)} MB | ${fmt(t)} |`);
    console.log(`| raw COPY FROM STDIN of the same rows | ${fmt(cp)} |`);
    console.log(`| naive batched INSERT, 1,000 rows per statement | ${fmt(ins)} |`);
    const pgl = res.pgloader.length ? median(res.pgloader) : undefined;
    if (pgl !== undefined) console.log(`| pgloader, the legacy CSV with the transform it can express (no pseudonyms), spawn to exit | ${fmt(pgl)} |`);
    console.log(`\ntransform/COPY ${(t / cp).toFixed(3)} (target >= 0.50: ${t / cp >= 0.5 ? 'met' : 'not met'}); transform/INSERT ${(t / ins).toFixed(2)}${pgl !== undefined ? `; transform/pgloader ${(t / pgl).toFixed(2)}` : ''}`);
  }
} finally {
  for (const name of [...created]) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((e) => console.error(`cannot drop ${name}: ${e.message}`));
  await admin.end();
  await rm(dir, { recursive: true, force: true });
}
