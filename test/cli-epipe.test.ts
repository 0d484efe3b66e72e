import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFarm, type FarmConnection, type RunMeta } from '@synthfarm/farm';
import { ROOT, stackLines } from './support/cli.js';
import { cliEnv, killAll, startSim } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * A reader that stops early (`synthfarm status | head -1`) closes the CLI's stdout; the CLI then
 * ends quietly, the way `git log | head` does, instead of dying on EPIPE with a stack trace.
 */

const BIN = join(ROOT, 'apps/cli/bin/synthfarm.js');
const RUNS = 40;

let redis: RedisHandle;
let farm: FarmConnection;

beforeAll(async () => {
  redis = await startRedis();
  farm = await connectFarm(redis.url);
  for (let i = 0; i < RUNS; i++) {
    const meta: RunMeta = {
      runId: `run-${String(i).padStart(3, '0')}`, createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(), outDir: `/out/${i}`,
      specSha256: 'ab'.repeat(32), source: 'spec.yaml', spec: {} as RunMeta['spec'], offline: false, total: 10,
    };
    await farm.store.create(meta);
  }
});
afterAll(async () => {
  await killAll();
  await farm?.close();
  await redis?.stop();
});

function sh(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('stdout closed early', () => {
  it('synthfarm status | head -1 prints one line and no error', async () => {
    const res = await sh(`"${process.execPath}" "${BIN}" status --redis ${redis.url} | head -1`);
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^run-039 {2}queued +0\/10 .*\n$/);
  });

  it('a reader gone before the first write: exit 0, nothing on stderr', async () => {
    const child = spawn(process.execPath, [BIN, 'status', '--redis', redis.url], { cwd: ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stackLines(stderr)).toEqual([]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('stderr closed', () => {
  it('a worker whose log reader went away still stops on one SIGTERM, within its drain time', async () => {
    // The terminal or the supervisor's log pipe is gone: what the worker says on stopping meets
    // EPIPE. It used to spin at 100% CPU on that error and never exit.
    const { url } = await startSim({ slots: 2, tokensPerSecond: 1e6 });
    const child = spawn(process.execPath, [BIN, 'worker', '--redis', redis.url, '--host', `gpu1=${url}`, '--no-cache', '--no-schedules', '--drain-ms', '500'], { cwd: ROOT, env: { ...cliEnv(), SYNTHFARM_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | string | null>((resolve) => child.on('exit', (c, sig) => resolve(c ?? sig)));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    for (let i = 0; !/ serving /.test(stderr); i++) {
      if (i > 600) throw new Error(`the worker did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.stderr.destroy();
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 500 + 4000))]);
    if (code === 'still running') child.kill('SIGKILL');
    expect(code).toBe(0);
  });
});
