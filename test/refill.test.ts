import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { tempDir } from './support/cli.js';
import { killAll, lastJson, runCli, sha256Files, spawnWorker, startSim } from './support/farm-harness.js';
import { readJsonl } from './support/output.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * `refill: true`: a run with rejects still writes exactly `count` records, regenerating indices
 * count, count+1, … ; the rejected attempts stay in rejects.jsonl and the manifest counts them
 * apart (`written = count`, `written + rejected = requested + refilled`). Rejects come from a
 * simulated host whose malformed answers are keyed by the request's content, so the same calls
 * fail in every mode and run.
 */

const COUNT = 200;
const spec = (opts: { refill: boolean }) => `seed: 9
datasets:
  - name: people
    count: ${COUNT}
    batchSize: 50
    recordsPerCall: 10
    refill: ${opts.refill}
    fields:
      id:  { kind: sequence, start: 0 }
      bio: { kind: llm, prompt: "One sentence about person {{id}}", maxLength: 120 }
stages:
  generate: { backend: fast, repairAttempts: 0 }
backends:
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["\${SIM_URL}"], slots: 4, maxRetries: 0 }
`;

type Reject = { dataset: string; index: number; reason: string };

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let flaky: string;
let broken: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-refill-');
  await writeFile(join(tmp.dir, 'refill.yaml'), spec({ refill: true }));
  await writeFile(join(tmp.dir, 'short.yaml'), spec({ refill: false }));
  // Nothing here depends on how long a call takes: the hosts answer at once (the default 200
  // tokens/s made each run wait ~10 s on the simulated model).
  const instant = { tokensPerSecond: 1e9, promptTokensPerSecond: 1e9 };
  const [r, a, b] = await Promise.all([startRedis(), startSim({ ...instant, faults: { malformedRate: 0.3, rollBy: 'content' } }), startSim({ ...instant, faults: { malformedRate: 1 } })]);
  redis = r;
  flaky = a.url;
  broken = b.url;
});

afterAll(async () => {
  await killAll();
  await redis?.stop();
  await tmp?.cleanup();
});

async function outcome(out: string) {
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
  const rows = await readJsonl<{ id: number; bio: string }>(join(out, 'people.jsonl'));
  const rejects = await readJsonl<Reject>(join(out, 'rejects.jsonl'));
  return { manifest, people: manifest.datasets.people!, rows, rejects };
}

describe('refill: true', () => {
  let embeddedOut: string;

  it('without refill, rejects leave the dataset short (what refill is for)', async () => {
    const out = join(tmp.dir, 'short');
    const res = await runCli(['run', join(tmp.dir, 'short.yaml'), '--out', out, '--no-cache', '--max-rejects', '100%', '--json'], { SIM_URL: flaky });
    expect(res.code).toBe(0);
    const { people } = await outcome(out);
    expect(people.rejected).toBeGreaterThan(0);
    expect(people.written).toBe(COUNT - people.rejected);
    expect(people.refilled).toBeUndefined();
  });

  it('writes exactly count records; the rejected attempts stay in rejects.jsonl, counted apart', async () => {
    embeddedOut = join(tmp.dir, 'embedded');
    const res = await runCli(['run', join(tmp.dir, 'refill.yaml'), '--out', embeddedOut, '--no-cache', '--max-rejects', '100%', '--json'], { SIM_URL: flaky });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const { manifest, people, rows, rejects } = await outcome(embeddedOut);
    expect(manifest.status).toBe('completed');
    expect(people.written).toBe(COUNT);
    expect(rows).toHaveLength(COUNT);
    expect(people.rejected).toBeGreaterThan(0);
    expect(people.refilled).toBeGreaterThan(0);
    expect(people.written + people.rejected).toBe(people.requested + people.refilled!);
    expect(rejects).toHaveLength(people.rejected);
    expect(manifest.rejects.rows).toBe(people.rejected);
    // Refilled records are indices count, count+1, …: written and rejected indices together are
    // 0 .. count+refilled-1, each once, and the rows are the first `count` that were not rejected.
    const indices = [...rows.map((r) => r.id), ...rejects.map((r) => r.index)].sort((a, b) => a - b);
    expect(indices).toEqual(Array.from({ length: COUNT + people.refilled! }, (_, i) => i));
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
    expect(rows.at(-1)!.id).toBeGreaterThanOrEqual(COUNT);
    expect(res.stdout.trimEnd().split('\n').at(-1)).toContain(`"written":${COUNT}`);
  });

  it('is the same bytes on a second run', async () => {
    const again = join(tmp.dir, 'again');
    const res = await runCli(['run', join(tmp.dir, 'refill.yaml'), '--out', again, '--no-cache', '--max-rejects', '100%', '--json', '--threads', '0'], { SIM_URL: flaky });
    expect(res.code).toBe(0);
    expect(await sha256Files(again)).toEqual(await sha256Files(embeddedOut));
  });

  it('farm mode writes the same bytes, with the same counts', async () => {
    await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: flaky } });
    const out = join(tmp.dir, 'farm');
    const res = await runCli(['run', join(tmp.dir, 'refill.yaml'), '--redis', redis.url, '--out', out, '--max-rejects', '100%', '--json'], { SIM_URL: flaky });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'completed', datasets: { people: { requested: COUNT, written: COUNT } } });
    const farm = await outcome(out);
    const embedded = await outcome(embeddedOut);
    expect(farm.people).toMatchObject({ written: COUNT, rejected: embedded.people.rejected, refilled: embedded.people.refilled });
    expect(await sha256Files(out)).toEqual(await sha256Files(embeddedOut));
  });

  it('a dataset that always rejects stops at its refill cap (count more records) with a clear error, exit 1', async () => {
    const out = join(tmp.dir, 'broken');
    // A count, not 100%: refilled attempts can take rejects past the records requested.
    const res = await runCli(['run', join(tmp.dir, 'refill.yaml'), '--out', out, '--no-cache', '--max-rejects', '1000000', '--json'], { SIM_URL: broken });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`people: refill tried ${COUNT} more records and is still ${COUNT} short of count ${COUNT}`);
    const { manifest, people, rejects } = await outcome(out);
    expect(manifest).toMatchObject({ status: 'failed', error: { code: 'REFILL_EXHAUSTED' } });
    expect(people).toMatchObject({ requested: COUNT, written: 0, rejected: 2 * COUNT, refilled: COUNT });
    expect(rejects).toHaveLength(2 * COUNT);
  });

  it('stops refilling once the run is past --max-rejects, which then fails it', async () => {
    const out = join(tmp.dir, 'max-rejects');
    const res = await runCli(['run', join(tmp.dir, 'refill.yaml'), '--out', out, '--no-cache', '--max-rejects', '100%', '--json'], { SIM_URL: broken });
    expect(res.code).toBe(1);
    const { manifest, people } = await outcome(out);
    expect(manifest).toMatchObject({ status: 'failed', error: { code: 'TOO_MANY_REJECTS' } });
    // The first refill batch (50 records) took the rejects past 200; no more were tried.
    expect(people).toMatchObject({ written: 0, rejected: COUNT + 50, refilled: 50 });
    expect(res.stderr).toBe(`synthfarm: ${COUNT + 50} of ${COUNT + 50} records were rejected, more than --max-rejects allows (${COUNT}); the reasons are in rejects.jsonl\n`);
  });
});
