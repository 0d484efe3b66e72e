import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL (trust auth on loopback; `.ci/run` starts it). Override with SYNTHFARM_TEST_PG. */
export const PG_ADMIN_URL = process.env.SYNTHFARM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of one test file's own. */
export interface TestDatabase {
  /** `postgres://postgres@127.0.0.1:5432/synthfarm_test_...`. */
  readonly url: string;
  readonly name: string;
  /** Runs SQL in the test database. */
  exec(sql: string): Promise<void>;
  /** Drops the database (connections closed by force). Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Creates a database with a unique name; call `drop()` in `afterAll` (it runs on failure too).
 * A unique name per test file keeps parallel test files apart, like a fresh BullMQ queue name.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  await dropOrphans();
  const name = `synthfarm_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  let dropped = false;
  return {
    url,
    name,
    async exec(sql) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * Drops test databases whose test process is gone: a test run killed from outside (a timeout,
 * SIGKILL) never reaches its `afterAll`, and its database would stay behind for good. The pid in
 * the name says whose it is; a live process (this one or a parallel test file) keeps its own.
 */
async function dropOrphans(): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'synthfarm\\_test\\_%'");
    for (const { datname } of rows) {
      const pid = Number(/^synthfarm_test_(\d+)_[0-9a-f]+$/.exec(datname)?.[1]);
      if (!pid || alive(pid)) continue;
      await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
  } finally {
    await c.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
