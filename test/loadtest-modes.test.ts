import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/cli.js';
import { killAll, runCli, sha256Files, spawnWorker, startSim } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * jobs/loadtest-customers.yaml (perParent orders, `after`, traffic weights in Europe/Berlin, refill)
 * writes the same bytes in embedded and farm mode. Scaled to a fifth: the children follow their parents.
 */

const JOB = 'jobs/loadtest-customers.yaml';
let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-loadtest-modes-');
  const [r, s] = await Promise.all([startRedis(), startSim()]);
  redis = r;
  await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: s.url } });
});

afterAll(async () => {
  await killAll();
  await redis?.stop();
  await tmp?.cleanup();
});

describe(`${JOB} in both modes`, () => {
  it('embedded and farm runs write byte-identical files', async () => {
    const embedded = join(tmp.dir, 'embedded');
    const farm = join(tmp.dir, 'farm');
    const [e, f] = await Promise.all([
      runCli(['run', JOB, '--scale', '0.2', '--out', embedded, '--json']),
      runCli(['run', JOB, '--scale', '0.2', '--redis', redis.url, '--out', farm, '--json']),
    ]);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
    const hashes = await sha256Files(embedded);
    expect(Object.keys(hashes)).toEqual(['customers.csv', 'customers.jsonl', 'orders.csv', 'orders.jsonl', 'rejects.jsonl']);
    expect(await sha256Files(farm)).toEqual(hashes);
  });
});
