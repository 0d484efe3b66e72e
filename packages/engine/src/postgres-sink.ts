import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { OutputError, OutputWriteError } from '@synthfarm/core';
import type { Spec } from '@synthfarm/spec';
import type { Reject } from '@synthfarm/output';
import { assemblePacked, type PackedLines } from './packed-lines.js';
import { targetTables, type TargetTable } from './postgres-table.js';

/** The ledger table: one row per batch loaded, so a rerun, resume or redelivery loads it once. */
export const LEDGER_TABLE = 'synthfarm_ledger';

/**
 * What a committed batch hands the sink: its rows as `COPY … (FORMAT csv)` reads them, one line
 * per record in the table's column order (`pgcopy` lines, or the CSV lines when those are the
 * same bytes: see datasetEncoding), encoded where the records were made.
 */
export interface SinkBatch {
  dataset: number;
  start: number;
  count: number;
  /** Line k is record start + k. */
  lines: PackedLines;
  /** Offsets not to load (rejected records). */
  dropped: ReadonlySet<number>;
  /** Lines the committer changed at admission, by offset. */
  replaced?: ReadonlyMap<number, string> | undefined;
  sourceKeys?: unknown[] | undefined;
}

/** The PostgreSQL sink of a run (`output.postgres`), driven by the committer at commit time. */
export interface PostgresSink {
  /** Connects, creates missing tables and the ledger, and truncates once per run in `replace` mode. */
  prepare(): Promise<void>;
  /** Loads one batch exactly once; returns its orphans (offsets whose foreign key has no parent), to reject. */
  load(b: SinkBatch): Promise<{ orphans: Reject[] }>;
  /**
   * Returns once every batch loaded so far is on the server's disk. Loads commit without waiting
   * for that when the sink was made with `durable: 'run'`; a run calls this before it says it
   * loaded them. A no-op for `durable: 'batch'`.
   */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * When a load must be on the server's disk. `batch`: when its commit returns (a resumable run: its
 * commit point, recorded after each load, must never be ahead of the database). `run`: by the
 * run's end ({@link PostgresSink.sync}); each batch commits with `synchronous_commit = off`, so
 * the server replies before it flushes its WAL and loads no longer wait for one disk flush each.
 * A server crash before the flush takes back a suffix of the run's last commits, ledger claims
 * with their rows: the run fails (its connection is lost), and running it again loads exactly
 * those batches. Nothing runs with a half-applied batch either way.
 */
export type SinkDurability = 'batch' | 'run';

const ident = (n: string) => `"${n.replace(/"/g, '""')}"`;

/** `user@host:port/db` of a URL: never the password. */
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Creates the database `url` names, connected to the server's `postgres` database. */
async function createDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString(), application_name: 'synthfarm-load', connectionTimeoutMillis: 10_000 });
  admin.on('error', () => {});
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${ident(name)}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile: fine
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * Loads a run's rows into PostgreSQL (DESIGN §9). Per batch: COPY into a temporary staging table,
 * then one transaction that claims the batch in {@link LEDGER_TABLE} (keyed by the spec's hash,
 * the dataset and the batch's record range, so a rerun of the same spec, a resume or a redelivered
 * farm batch finds it there and loads nothing), drops orphans and inserts or upserts the rest —
 * the idempotent-consumer pattern with a transactional outbox ledger.
 */
export function createPostgresSink(spec: Spec, specSha256: string, runId: string, durable: SinkDurability = 'batch'): PostgresSink {
  const cfg = spec.output.postgres!;
  if (!cfg.url) throw new OutputError(`[output.postgres] names database '${cfg.database}': only a farm resolves database names (its operator's list); give url: instead`);
  const url = cfg.url;
  const label = `[output.postgres ${describe(url)}]`;
  const schema = cfg.schema;
  const table = (name: string) => (schema ? `${ident(schema)}.${ident(name)}` : ident(name));
  const tables = new Map(targetTables(spec).map((t) => [t.dataset, t]));
  let client: pg.Client | undefined;
  let unsynced = false;
  // Before anything is loaded: exit 2 (like an unwritable output directory); once loading began: exit 1.
  const fail = (what: string, err: unknown, exit: 1 | 2 = 1) => {
    const message = `${label} ${what}: ${(err as Error).message}`;
    return exit === 2 ? new OutputError(message, { cause: err }) : new OutputWriteError(message, { cause: err });
  };

  async function q(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    return client!.query(sql, params);
  }

  function createSql(t: TargetTable): string {
    const cols = t.columns.map((c) => `${ident(c.name)} ${c.type}${c.name === t.primaryKey ? ' PRIMARY KEY' : ''}`);
    for (const c of t.columns) {
      const parent = c.references && tables.get(c.references.dataset);
      if (parent && parent.primaryKey === c.references!.field) cols.push(`FOREIGN KEY (${ident(c.name)}) REFERENCES ${table(parent.dataset)} (${ident(parent.primaryKey)}) DEFERRABLE INITIALLY IMMEDIATE`);
    }
    return `CREATE TABLE IF NOT EXISTS ${table(t.dataset)} (${cols.join(', ')})`;
  }

  async function sync(): Promise<void> {
    if (!unsynced || !client) return;
    // A commit that waits for its WAL flush waits for all WAL before it: every earlier commit of
    // the run. It must write a record to be flushed: it notes when this spec's load last ended.
    const lit = (v: string) => client!.escapeLiteral(v);
    try {
      await q(`BEGIN; SET LOCAL synchronous_commit = on; INSERT INTO ${table(LEDGER_TABLE)} (load, dataset, first_record, records, run_id) VALUES (${lit(specSha256)}, '*loaded*', 0, 0, ${lit(runId)}) ON CONFLICT (load, dataset, first_record, records) DO UPDATE SET run_id = EXCLUDED.run_id, loaded_at = now(); COMMIT`);
    } catch (err) {
      await q('ROLLBACK').catch(() => undefined);
      throw fail('cannot flush the loaded batches to disk', err);
    }
    unsynced = false;
  }

  return {
    async prepare() {
      client = new pg.Client({ connectionString: url, application_name: 'synthfarm-load', connectionTimeoutMillis: 10_000 });
      client.on('error', () => {});
      try {
        try {
          await client.connect();
        } catch (err) {
          await client.end().catch(() => undefined);
          // A missing target database is created, like the tables in it (3D000: invalid_catalog_name).
          if ((err as { code?: string }).code !== '3D000') throw err;
          await createDatabase(url);
          client = new pg.Client({ connectionString: url, application_name: 'synthfarm-load', connectionTimeoutMillis: 10_000 });
          client.on('error', () => {});
          await client.connect();
        }
      } catch (err) {
        await client?.end().catch(() => undefined);
        client = undefined;
        throw fail('cannot connect', err, 2);
      }
      try {
        // This session's commits only: others' and the server's setting are untouched.
        if (durable === 'run') await q('SET synchronous_commit = off');
        if (schema) await q(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
        await q(`CREATE TABLE IF NOT EXISTS ${table(LEDGER_TABLE)} (load text NOT NULL, dataset text NOT NULL, first_record bigint NOT NULL, records integer NOT NULL, run_id text NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (load, dataset, first_record, records))`);
        for (const t of tables.values()) await q(createSql(t));
        if (cfg.mode === 'replace') {
          // Once per run (recorded): a resumed run does not truncate what it already loaded.
          await q('BEGIN');
          const claimed = await q(`INSERT INTO ${table(LEDGER_TABLE)} (load, dataset, first_record, records, run_id) VALUES ($1, '*replace*', 0, 0, $1) ON CONFLICT DO NOTHING RETURNING 1`, [`replace:${runId}`]);
          if (claimed.rowCount) {
            await q(`TRUNCATE ${[...tables.values()].map((t) => table(t.dataset)).join(', ')}`);
            await q(`DELETE FROM ${table(LEDGER_TABLE)} WHERE load = $1`, [specSha256]);
          }
          await q('COMMIT');
        }
      } catch (err) {
        await q('ROLLBACK').catch(() => undefined);
        throw fail('cannot prepare the target tables', err, 2);
      }
    },

    async load(b) {
      const ds = spec.datasets[b.dataset]!;
      const t = tables.get(ds.name)!;
      const cols = t.columns.map((c) => ident(c.name)).join(', ');
      const fks = t.columns.flatMap((c) => {
        const parent = c.references && tables.get(c.references.dataset);
        return parent && parent.primaryKey === c.references!.field ? [{ column: c, parent }] : [];
      });
      const upsert = cfg.mode === 'upsert' && t.primaryKey;
      // Rows go straight into the table unless some must be checked (orphans) or merged (upsert) first.
      const staged = fks.length > 0 || !!upsert;
      // Straight into the table: the batch's lines as they are (their bytes when a code thread sent
      // them so and the batch is unchanged). Staged: each row led by its offset.
      let body: string | Uint8Array;
      if (!staged) {
        const lines = assemblePacked(b.lines, b.dropped, b.replaced);
        body = lines.bytes ?? lines.text;
      } else {
        const { lines, dropped, replaced } = b;
        let text = '';
        for (let k = 0; k < b.count; k++) {
          if (dropped.has(k)) continue;
          text += `${k},${replaced?.get(k) ?? lines.text.slice(k ? lines.ends[k - 1]! : 0, lines.ends[k]!)}`;
        }
        body = text;
      }
      const lit = (v: string) => client!.escapeLiteral(v);
      const ledgerRow = `INSERT INTO ${table(LEDGER_TABLE)} (load, dataset, first_record, records, run_id) VALUES (${lit(specSha256)}, ${lit(ds.name)}, ${b.start}, ${b.count}, ${lit(runId)})`;
      const what = `${ds.name} records ${b.start}..${b.start + b.count - 1}`;
      // The statements before a COPY and the rows go in one message: each round trip to the server
      // waits for the server and then this thread to be scheduled, ~50 ms apiece measured on two
      // cores the code threads keep busy (three per batch were most of the load's time).
      const copy = async (statements: string) => {
        try {
          // One write: a stream of one chunk per row costs the aggregator more than the row itself.
          await pipeline(Readable.from([body]), client!.query(copyFrom(statements)));
        } catch (err) {
          throw fail(`cannot COPY ${what}`, err);
        }
      };
      const orphans: Reject[] = [];
      unsynced = durable === 'run';
      try {
        if (!staged) {
          // Claim, rows and commit in one message. A batch already in the ledger fails the claim
          // (its key exists): nothing after it runs, the transaction is rolled back, nothing added.
          try {
            await copy(`BEGIN; ${ledgerRow}; COPY ${table(ds.name)} (${cols}) FROM STDIN (FORMAT csv); COMMIT`);
          } catch (err) {
            const cause = (err as { cause?: { code?: string; table?: string } }).cause;
            if (cause?.code !== '23505' || cause.table !== LEDGER_TABLE) throw err;
            await q('ROLLBACK');
          }
          return { orphans };
        }
        const stage = ident(`sf_stage_${ds.name}`);
        // Emptied by each commit or rollback: no TRUNCATE per batch.
        await copy(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (sf_offset integer, ${t.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')}) ON COMMIT DELETE ROWS; BEGIN; SET CONSTRAINTS ALL DEFERRED; COPY ${stage} (sf_offset, ${cols}) FROM STDIN (FORMAT csv)`);
        // Orphans: a foreign key with no parent row is a reject, never a failed batch. They are
        // found whether or not the batch was loaded before, so a rerun writes the same files.
        // One message: each key's orphans taken out in turn, then the claim, the rows and the commit.
        const statements = fks.map(({ column: c, parent }) => {
          // A self-reference may point at a row of the same batch (loaded in the same transaction, constraints deferred).
          const self = parent.dataset === ds.name ? ` AND NOT EXISTS (SELECT 1 FROM ${stage} s2 WHERE s2.${ident(parent.primaryKey!)} = s.${ident(c.name)})` : '';
          return `DELETE FROM ${stage} s WHERE s.${ident(c.name)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${table(parent.dataset)} p WHERE p.${ident(parent.primaryKey!)} = s.${ident(c.name)})${self} RETURNING sf_offset`;
        });
        const others = t.columns.filter((c) => c.name !== t.primaryKey);
        const conflict = upsert ? ` ON CONFLICT (${ident(t.primaryKey!)}) DO ${others.length ? `UPDATE SET ${others.map((c) => `${ident(c.name)} = EXCLUDED.${ident(c.name)}`).join(', ')}` : 'NOTHING'}` : '';
        statements.push(`WITH claimed AS (${ledgerRow} ON CONFLICT DO NOTHING RETURNING 1) INSERT INTO ${table(ds.name)} (${cols}) SELECT ${cols} FROM ${stage} WHERE EXISTS (SELECT 1 FROM claimed) ORDER BY sf_offset${conflict}`, 'COMMIT');
        const results = (await q(statements.join('; '))) as unknown as pg.QueryResult[];
        fks.forEach(({ column: c, parent }, i) => {
          for (const row of results[i]!.rows as Array<{ sf_offset: number }>) {
            const k = row.sf_offset;
            orphans.push({ dataset: ds.name, index: b.start + k, reason: 'orphan', error: `${c.name} references ${parent.dataset}.${parent.primaryKey}, which has no such row`, ...(ds.source ? { source: ds.source.from, sourceKey: b.sourceKeys?.[k] } : {}) });
          }
        });
      } catch (err) {
        await q('ROLLBACK').catch(() => undefined);
        throw err instanceof OutputWriteError ? err : fail(`cannot load ${what}`, err);
      }
      return { orphans };
    },

    sync,

    async close() {
      // No sync here: a run that stopped early may be stopping because the server is gone, and a
      // close must not wait on it. What it committed reaches the disk with the server's next WAL
      // flush (wal_writer_delay); a crash before that is undone by running the spec again.
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}
