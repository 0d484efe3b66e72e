import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { connectFarm, createFarmService, type FarmConnection } from '@synthfarm/farm';
import { createFarmMetrics } from '@synthfarm/api';
import { tempDir } from './support/cli.js';
import { killAll, lastJson, runCli, spawnWorker, startSim } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * Nightly fixtures that say what they did (issue #12, items 13-15): a schedule follows its spec
 * file or says it does not (`list`, `update`); `schedule run` fires one now into
 * ROOT/NAME/<date>[-<time>]/ with ROOT/NAME/latest and `keep` pruning; a firing that fails or
 * rejects records shows in `list`, in /metrics and on a webhook.
 */

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let farm: FarmConnection;
let root: string;

/** Tests here chain a dozen CLI processes, each a few seconds on a loaded machine: headroom, not a timed assertion. */
const LONG = { timeout: 240_000 };

/** Timed firings never happen in these tests (1 January, midnight): only `schedule run` fires. */
const NEVER = ['--cron', '0 0 1 1 *'];

const fixtures = (orders: number) => `seed: 9
datasets:
  - name: customers
    count: 30
    fields:
      id:    { kind: sequence, start: 1 }
      email: { kind: template, template: "c{{id}}@example.test" }
  - name: orders
    count: ${orders}
    fields:
      id:         { kind: sequence, start: 1 }
      customerId: { kind: ref, dataset: customers, field: id }
output: { formats: [csv] }
`;

/** Every record of it is rejected: its host answers malformed JSON, and nothing is repaired or retried. */
const rejecting = `seed: 5
datasets:
  - name: notes
    count: 10
    fields:
      id:   { kind: sequence, start: 1 }
      text: { kind: llm, prompt: "a short note", maxLength: 40 }
stages: { generate: { backend: fast, repairAttempts: 0 } }
backends:
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["\${SIM_URL:-http://127.0.0.1:9}"], maxRetries: 0 }
output: { formats: [jsonl] }
`;

type Info = { name: string; spec?: { path?: string; sha256?: string; file: string }; keep?: number; notify?: { origin: string; on: string }; last?: { at: string; status: string; code: number; written: number; rejected: number; outDir?: string; runId?: string; error?: string }; lastSuccessAt?: string };

async function list(): Promise<Info[]> {
  const r = await runCli(['schedule', 'list', '--redis', redis.url, '--json']);
  expect(r.code).toBe(0);
  return lastJson<{ schedules: Info[] }>(r.stdout).schedules;
}
const info = async (name: string) => (await list()).find((s) => s.name === name)!;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** `schedule run NAME --json`, with the times just before and after it. */
async function fire(name: string, extra: string[] = []) {
  const before = new Date();
  const r = await runCli(['schedule', 'run', name, '--redis', redis.url, '--json', ...extra]);
  return { ...r, before, after: new Date(), firing: r.stdout.trim() ? lastJson<NonNullable<Info['last']>>(r.stdout) : undefined };
}

const hhmmss = (d: Date) => d.toISOString().slice(11, 19).replace(/:/g, '');

beforeAll(async () => {
  tmp = await tempDir('synthfarm-schedule-firings-');
  root = join(tmp.dir, 'fixtures');
  redis = await startRedis();
  farm = await connectFarm(redis.url);
  // One worker for the batches; its host answers malformed JSON, which only the llm spec asks it for.
  const { url } = await startSim({ tokensPerSecond: 1e6, faults: { malformedRate: 1 } });
  await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url }, extraArgs: ['--no-schedules'] });
});
afterAll(async () => {
  await killAll();
  await farm?.close();
  await redis?.stop();
  await tmp?.cleanup();
});

describe('a schedule follows its spec file', () => {
  it('list shows the path, the stored hash and whether the file changed; update re-reads it with every check run does', LONG, async () => {
    const spec = join(tmp.dir, 'nightly.yaml');
    await writeFile(spec, fixtures(50));
    const add = await runCli(['schedule', 'add', 'nightly', spec, ...NEVER, '--out', root, '--redis', redis.url]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect((await info('nightly')).spec).toEqual({ path: spec, sha256: sha256(fixtures(50)), file: 'unchanged' });
    const text = await runCli(['schedule', 'list', '--redis', redis.url]);
    expect(text.stdout).toContain(`  spec  ${spec}  sha256 ${sha256(fixtures(50)).slice(0, 12)}  unchanged since add/update\n  last  never fired\n`);

    // An edit after add is no longer silent.
    await writeFile(spec, fixtures(70));
    expect((await info('nightly')).spec?.file).toBe('changed');
    expect((await runCli(['schedule', 'list', '--redis', redis.url])).stdout).toContain('CHANGED since add/update: firings still run the stored spec (schedule update nightly stores the file)');

    // An edit only compilation finds wrong is refused by update, and the stored spec stays.
    await writeFile(spec, fixtures(70).replace('template: "c{{id}}@example.test"', 'template: "c{{nope}}@example.test"'));
    const bad = await runCli(['schedule', 'update', 'nightly', '--redis', redis.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/datasets\[0\]\.fields\.email/);
    expect((await info('nightly')).spec?.sha256).toBe(sha256(fixtures(50)));

    await writeFile(spec, fixtures(70));
    const up = await runCli(['schedule', 'update', 'nightly', '--redis', redis.url]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^schedule nightly: stored the changed spec from .*nightly\.yaml \(sha256 [0-9a-f]{12}\); next \S+\n$/);
    expect((await info('nightly')).spec).toEqual({ path: spec, sha256: sha256(fixtures(70)), file: 'unchanged' });

    // What fires is what update stored.
    const f = await fire('nightly');
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(f.firing!.outDir!, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.datasets.orders).toMatchObject({ requested: 70, written: 70 });
    const updatedMissing = await runCli(['schedule', 'update', 'ghost', '--redis', redis.url]);
    expect(updatedMissing.code).toBe(2);
    expect(updatedMissing.stderr).toMatch(/no schedule 'ghost'/);
  });
});

describe('schedule run: dated directories, latest, keep', () => {
  it('a second firing of the day takes its own time; latest points at the newest; keep prunes only what the schedule made', LONG, async () => {
    const dir = join(root, 'nightly');
    const first = (await info('nightly')).last!;
    const day = first.outDir!.split('/').at(-1)!;
    expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await readlink(join(dir, 'latest'))).toBe(day);

    await new Promise((r) => setTimeout(r, 1100)); // a new second: the suffix must be this firing's, not the first's
    const second = await fire('nightly');
    expect(second.code).toBe(0);
    const name2 = second.firing!.outDir!.split('/').at(-1)!;
    expect(name2).toMatch(new RegExp(`^${day}-\\d{6}$`));
    const suffix = name2.slice(-6);
    expect(suffix >= hhmmss(second.before) && suffix <= hhmmss(second.after), `${suffix} within ${hhmmss(second.before)}..${hhmmss(second.after)}`).toBe(true);
    expect(suffix).not.toBe(hhmmss(new Date(first.at)));
    expect(await readlink(join(dir, 'latest'))).toBe(name2);
    expect(existsSync(join(dir, 'latest', 'orders.csv'))).toBe(true);
    expect(second.firing).toMatchObject({ status: 'completed', code: 0, written: 100, rejected: 0 });

    // Things the schedule did not make: a look-alike directory, and a link leading outside ROOT.
    const outside = join(tmp.dir, 'outside');
    await mkdir(join(outside, 'keepme'), { recursive: true });
    await mkdir(join(dir, '2000-01-01'));
    await writeFile(join(dir, '2000-01-01', 'mine.txt'), 'not the schedule\'s');
    await symlink(outside, join(dir, '1999-01-01'));

    const up = await runCli(['schedule', 'update', 'nightly', '--keep', '2', '--redis', redis.url]);
    expect(up.code).toBe(0);
    expect((await info('nightly')).keep).toBe(2);
    const third = await fire('nightly');
    expect(third.code).toBe(0);
    const name3 = third.firing!.outDir!.split('/').at(-1)!;
    expect((await readdir(dir)).sort()).toEqual(['1999-01-01', '2000-01-01', name2, name3, 'latest'].sort());
    expect(await readlink(join(dir, 'latest'))).toBe(name3);
    expect(existsSync(join(outside, 'keepme'))).toBe(true);
    expect(existsSync(join(dir, '2000-01-01', 'mine.txt'))).toBe(true);
    // Only the link, no temp link left behind.
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);

    const missing = await runCli(['schedule', 'run', 'ghost', '--redis', redis.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no schedule 'ghost'/);
  });

  it("a firing whose directory would lead outside ROOT through a link fails and writes nothing there", async () => {
    const spec = join(tmp.dir, 'linked.yaml');
    await writeFile(spec, fixtures(10));
    const elsewhere = join(tmp.dir, 'elsewhere');
    await mkdir(elsewhere);
    await mkdir(root, { recursive: true });
    await symlink(elsewhere, join(root, 'linked'));
    expect((await runCli(['schedule', 'add', 'linked', spec, ...NEVER, '--out', root, '--redis', redis.url])).code).toBe(0);
    const f = await fire('linked');
    expect(f.code).toBe(1);
    expect(f.firing).toMatchObject({ status: 'failed', code: 1, written: 0 });
    expect(f.firing!.error).toMatch(/symbolic link|refusing to write outside/);
    expect(await readdir(elsewhere)).toEqual([]);
    expect((await info('linked')).last).toMatchObject({ status: 'failed', code: 1 });
    await runCli(['schedule', 'remove', 'linked', '--redis', redis.url]);
  });
});

describe('a firing that fails or rejects records is visible', () => {
  let hook: Server;
  let hookUrl: string;
  const posts: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (s: string) => (body += s)).on('end', () => {
        posts.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const addr = hook.address() as { port: number };
    hookUrl = `http://127.0.0.1:${addr.port}/hooks/t0k3n-in-path`;
  });
  afterAll(async () => {
    await new Promise((r) => hook?.close(r));
  });

  it('the webhook URL must pass the allowlist, at add and when it fires', async () => {
    const spec = join(tmp.dir, 'rejecting.yaml');
    await writeFile(spec, rejecting);
    const refused = await runCli(['schedule', 'add', 'notes', spec, ...NEVER, '--out', root, '--notify', hookUrl, '--redis', redis.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`origin ${new URL(hookUrl).origin} is not allowed on this farm`);
    expect((await list()).map((s) => s.name)).not.toContain('notes');

    const origin = new URL(hookUrl).origin;
    const add = await runCli(['schedule', 'add', 'notes', spec, ...NEVER, '--out', root, '--notify', hookUrl, '--allow-origin', origin, '--redis', redis.url]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    // The full URL (its path may be a token) is never shown; its origin is.
    const shown = await info('notes');
    expect(shown.notify).toEqual({ origin, on: 'problems' });
    expect(JSON.stringify(shown)).not.toContain('t0k3n');

    // A firing process whose operator did not allow the origin sends nothing.
    const f = await fire('notes');
    expect(f.code).toBe(1);
    expect(posts).toEqual([]);
  });

  it('rejects: exit 1 in list and from schedule run, last-success and last-run on /metrics, one small JSON posted', LONG, async () => {
    const origin = new URL(hookUrl).origin;
    const f = await fire('notes', ['--allow-origin', origin]);
    expect(f.code).toBe(1);
    expect(f.firing).toMatchObject({ status: 'completed', code: 1, written: 0, rejected: 10 });
    const shown = await info('notes');
    expect(shown.last).toMatchObject({ status: 'completed', code: 1, rejected: 10, outDir: f.firing!.outDir, runId: f.firing!.runId });
    expect(shown.lastSuccessAt).toBeUndefined();
    const text = (await runCli(['schedule', 'list', '--redis', redis.url])).stdout;
    expect(text).toContain(`  last  ${shown.last!.at}  exit 1 (completed, 0 written, 10 rejected) → ${f.firing!.outDir}\n`);
    // It completed (what could be written is there, the rest in rejects.jsonl): latest points at it.
    expect(await readlink(join(root, 'notes', 'latest'))).toBe(f.firing!.outDir!.split('/').at(-1));
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers['content-type']).toBe('application/json');
    expect(posts[0]!.body).toEqual({ schedule: 'notes', status: 'completed', code: 1, written: 0, rejected: 10, outDir: f.firing!.outDir, runId: f.firing!.runId, at: shown.last!.at });

    // /metrics of serve: nightly succeeded, notes never did.
    const service = createFarmService(farm);
    try {
      const text = await createFarmMetrics(service).scrape();
      const nightly = await info('nightly');
      const value = (metric: string, schedule: string) => {
        const m = text.match(new RegExp(`^${metric}\\{schedule="${schedule}"\\} (\\S+)$`, 'm'));
        return m ? Number(m[1]) : undefined;
      };
      expect(value('synthfarm_schedule_last_success_timestamp', 'nightly')).toBe(Date.parse(nightly.lastSuccessAt!) / 1000);
      expect(value('synthfarm_schedule_last_run_ok', 'nightly')).toBe(1);
      expect(value('synthfarm_schedule_last_success_timestamp', 'notes')).toBe(0);
      expect(value('synthfarm_schedule_last_run_ok', 'notes')).toBe(0);
      expect(value('synthfarm_schedule_last_run_timestamp', 'notes')).toBe(Date.parse(shown.last!.at) / 1000);
    } finally {
      await service.close();
    }
  });

  it('a webhook that does not answer in time does not hold the firing up for long', async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/hook`;
      const origin = new URL(url).origin;
      expect((await runCli(['schedule', 'update', 'notes', '--notify', url, '--allow-origin', origin, '--redis', redis.url])).code).toBe(0);
      const f = await fire('notes', ['--allow-origin', origin]);
      expect(f.code).toBe(1);
      expect(f.firing).toMatchObject({ code: 1, rejected: 10 });
      expect((await info('notes')).notify).toEqual({ origin, on: 'problems' });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});
