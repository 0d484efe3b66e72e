import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimServer, type SimServer } from '@synthfarm/sim';

const CLI = fileURLToPath(new URL('../apps/cli/bin/synthfarm.js', import.meta.url));

let root: string;
let sim: SimServer;
let url: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthfarm-log-warn-'));
  // Every third model call fails with a 5xx: the client retries them.
  sim = createSimServer({ tokensPerSecond: 1e6, promptTokensPerSecond: 1e7, faults: { errorRate: 0.35 } });
  url = (await sim.listen(0)).url;
});

afterAll(async () => {
  await sim.close();
  await rm(root, { recursive: true, force: true });
});

function runCli(args: string[], level: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    // Async on purpose: the sim answers from this process's event loop.
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, SYNTHFARM_LOG_LEVEL: level, SYNTHFARM_DEBUG: undefined } }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

describe('SYNTHFARM_LOG_LEVEL=warn', () => {
  it('shows the retries of a failing host on stderr (README: warn shows retries, circuits, hosts marked down)', async () => {
    const spec = {
      seed: 3,
      datasets: [
        {
          name: 'people',
          count: 24,
          batchSize: 40,
          recordsPerCall: 1,
          fields: {
            id: { kind: 'sequence' },
            mood: { kind: 'llm', prompt: 'their mood today', values: ['happy', 'grumpy'] },
          },
        },
      ],
      stages: { generate: { backend: 'fast' } },
      backends: { fast: { provider: 'ollama', model: 'gemma3:4b', hosts: [url], slots: 4, maxRetries: 6 } },
    };
    const file = join(root, 'spec.json');
    await writeFile(file, JSON.stringify(spec));
    const warn = await runCli(['run', file, '--out', join(root, 'out-warn'), '--no-cache', '--json'], 'warn');
    expect(warn.code).toBe(0);
    const lines = warn.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; attempt?: number });
    const retries = lines.filter((l) => l.attempt !== undefined);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((l) => l.level === 40)).toBe(true);
    // The default level (error) stays quiet about them.
    const quiet = await runCli(['run', file, '--out', join(root, 'out-quiet'), '--no-cache', '--json'], 'error');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('"attempt"');
  }, 60_000);
});
