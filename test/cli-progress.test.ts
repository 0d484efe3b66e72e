import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthfarm, tempDir } from './support/cli.js';
import { killAll, startSim } from './support/farm-harness.js';

/** `synthfarm run` piped (stderr not a terminal): plain progress lines, never a redrawn bar. */

let tmp: { dir: string; cleanup: () => Promise<void> };
let url: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-cli-progress-');
  // Slow enough (12 model calls at 300 tokens/s, 2 slots) to outlast several intervals.
  ({ url } = await startSim({ slots: 2, tokensPerSecond: 300 }));
});
afterAll(async () => {
  await killAll();
  await tmp?.cleanup();
});

describe('progress when stderr is not a terminal', () => {
  it('prints a progress line every SYNTHFARM_PROGRESS_EVERY seconds and a last one at 100%', async () => {
    const spec = join(tmp.dir, 'spec.json');
    await writeFile(spec, JSON.stringify({
      version: 1,
      seed: 5,
      datasets: [{
        name: 'people', count: 300, batchSize: 50, recordsPerCall: 25,
        fields: { id: { kind: 'sequence', start: 1 }, bio: { kind: 'llm', prompt: 'one sentence about person {{id}}', maxLength: 80 } },
      }],
      stages: { generate: { backend: 'fast' } },
      backends: { fast: { provider: 'ollama', model: 'gemma3:4b', hosts: [url], slots: 2 } },
      output: { formats: ['csv'] },
    }));
    const res = await synthfarm(['run', spec, '--out', join(tmp.dir, 'out'), '--no-cache'], { env: { SYNTHFARM_PROGRESS_EVERY: '0.3' } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/[\r\x1b]/);
    const lines = res.stderr.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(/^synthfarm: progress \d+\/300 \(\d+%\) \| \d+ rec\/s( \| ETA \w+)? \| \d+ tok\/s \| \d+ rejected( \| people)?$/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.at(-1)).toMatch(/^synthfarm: progress 300\/300 \(100%\)/);
    const done = lines.map((l) => Number(/progress (\d+)\//.exec(l)![1]));
    expect(done).toEqual([...done].sort((a, b) => a - b));
  }, 60_000);

  it('SYNTHFARM_PROGRESS_EVERY that is not a number of seconds is a usage error (exit 2)', async () => {
    const res = await synthfarm(['run', 'jobs/loadtest-customers.yaml', '--out', join(tmp.dir, 'bad')], { env: { SYNTHFARM_PROGRESS_EVERY: 'soon' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("SYNTHFARM_PROGRESS_EVERY: must be a number of seconds >= 0 (0 turns progress lines off), got 'soon'");
  });
});
