import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { tempDir } from './support/cli.js';
import { killAll, lastJson, runCli, spawnWorker, startSim, waitFor } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * Nightly fixtures (DESIGN §4): `synthfarm schedule add` registers a BullMQ job scheduler; a
 * worker takes each firing and coordinates it into ROOT/NAME/<date>/ with its own manifest.
 */

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-farm-schedule-');
  redis = await startRedis();
});
afterAll(async () => {
  await killAll();
  await redis?.stop();
  await tmp?.cleanup();
});

describe('synthfarm schedule', () => {
  it('add --every: a worker fires it into ROOT/NAME/<date>/ with a completed manifest; list shows it; remove removes it', async () => {
    const { url } = await startSim({ tokensPerSecond: 1e6 });
    const root = join(tmp.dir, 'scheduled');
    // A worker that takes schedule firings (the default).
    await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url } });
    const day0 = new Date().toISOString().slice(0, 10);
    const add = await runCli(['schedule', 'add', 'fx', 'jobs/nightly-fixtures.yaml', '--every', '1500', '--out', root, '--redis', redis.url]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^schedule fx: every 1500 ms; next \S+; writes .*\/fx\/<date>\/\n$/);

    const list = await runCli(['schedule', 'list', '--redis', redis.url, '--json']);
    expect(list.code).toBe(0);
    expect(lastJson<{ schedules: unknown[] }>(list.stdout).schedules).toEqual([expect.objectContaining({ name: 'fx', everyMs: 1500, outRoot: root })]);
    const text = await runCli(['schedule', 'list', '--redis', redis.url]);
    expect(text.stdout).toMatch(/^fx {2}every 1500 ms {2}next \S+ {2}→ .*\/fx\/<date>\/\n {2}spec {2}\S+nightly-fixtures\.yaml {2}sha256 [0-9a-f]{12} {2}unchanged since add\/update\n {2}last {2}/);

    const manifestPath = await waitFor(
      async () => {
        const days = existsSync(join(root, 'fx')) ? await readdir(join(root, 'fx')) : [];
        const day = days.find((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && existsSync(join(root, 'fx', d, 'manifest.json')));
        return day && join(root, 'fx', day, 'manifest.json');
      },
      { timeoutMs: 30_000, what: 'the first firing of fx to finish' },
    );
    // The dated directory is the firing's UTC day (today, or yesterday across midnight).
    const day = manifestPath.split('/').at(-2)!;
    expect([day0, new Date().toISOString().slice(0, 10)]).toContain(day);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ status: 'completed', mode: 'farm', seed: 20261122 });
    expect(Object.fromEntries(Object.entries(manifest.datasets).map(([k, d]) => [k, [d.written, d.rejected]]))).toEqual({ accounts: [200, 0], projects: [600, 0], invoices: [2000, 0] });
    expect((await readdir(join(root, 'fx', day))).sort()).toEqual(['accounts.csv', 'accounts.jsonl', 'events.jsonl', 'invoices.csv', 'invoices.jsonl', 'manifest.json', 'projects.csv', 'projects.jsonl', 'rejects.jsonl', 'report-data.json', 'report.html']);

    // The firing is a farm run like any other: status lists it with its schedule.
    const runs = lastJson<{ runs: Array<{ schedule?: string; state: string }> }>((await runCli(['status', '--redis', redis.url, '--json'])).stdout).runs;
    expect(runs.some((r) => r.schedule === 'fx' && r.state === 'completed')).toBe(true);

    const rm = await runCli(['schedule', 'remove', 'fx', '--redis', redis.url]);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe('schedule fx removed\n');
    expect((await runCli(['schedule', 'list', '--redis', redis.url])).stdout).toBe('no schedules\n');
    const again = await runCli(['schedule', 'remove', 'fx', '--redis', redis.url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no schedule 'fx'/);
  });

  it('add: a spec only compilation finds wrong (a bad faker method) is refused at add time, exit 2 naming the field', async () => {
    const spec = join(tmp.dir, 'bad-faker.yaml');
    await writeFile(spec, 'seed: 1\ndatasets:\n  - name: people\n    count: 10\n    fields:\n      who: { kind: faker, method: person.nmae }\n');
    const add = await runCli(['schedule', 'add', 'bad', spec, '--every', '60000', '--out', join(tmp.dir, 'never'), '--redis', redis.url]);
    expect(add.code).toBe(2);
    expect(add.stderr).toMatch(/datasets\[0\]\.fields\.who/);
    expect(add.stderr).toMatch(/person\.nmae/);
    expect(add.stdout).toBe('');
    // Nothing was registered: it never fires.
    expect((await runCli(['schedule', 'list', '--redis', redis.url])).stdout).toBe('no schedules\n');
  });
});
