import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackLines, synthfarm, tempDir } from './support/cli.js';

/**
 * Farm mode is explicit (issue 8 item 5, DESIGN §4): only `--redis URL` or `SYNTHFARM_REDIS_URL`
 * select it. A generic `REDIS_URL`, which many apps export, must not turn `synthfarm run` into a
 * farm run (which, with no worker, used to wait forever printing nothing).
 */

const SPEC = `version: 1
seed: 3
datasets:
  - name: items
    count: 20
    fields:
      id: { kind: sequence, start: 1 }
output: { formats: [csv], dir: out }
`;
/** Nothing listens here: a farm run against it fails at once (exit 3). */
const DEAD_REDIS = 'redis://127.0.0.1:1';

let tmp: { dir: string; cleanup: () => Promise<void> };
let spec: string;
beforeAll(async () => {
  tmp = await tempDir('synthfarm-mode-');
  spec = join(tmp.dir, 'spec.yaml');
  await writeFile(spec, SPEC);
});
afterAll(() => tmp?.cleanup());

describe('choosing farm mode', () => {
  it('REDIS_URL in the environment: `run` stays embedded and completes', async () => {
    const out = join(tmp.dir, 'embedded');
    const res = await synthfarm(['run', spec, '--out', out, '--json'], { env: { REDIS_URL: DEAD_REDIS } });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { mode: string; status: string };
    expect(manifest).toMatchObject({ mode: 'embedded', status: 'completed' });
  });

  it('SYNTHFARM_REDIS_URL selects farm mode (exit 3 naming the URL when Redis does not answer)', async () => {
    const res = await synthfarm(['run', spec, '--out', join(tmp.dir, 'farm')], { env: { SYNTHFARM_REDIS_URL: DEAD_REDIS } });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`Redis at ${DEAD_REDIS}`);
    expect(stackLines(res.stderr)).toEqual([]);
  });

  it('a farm-only command with just REDIS_URL set: exit 2 naming --redis, SYNTHFARM_REDIS_URL and that REDIS_URL is ignored', async () => {
    const res = await synthfarm(['status'], { env: { REDIS_URL: DEAD_REDIS } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--redis: farm mode needs --redis URL or SYNTHFARM_REDIS_URL');
    expect(res.stderr).toContain('REDIS_URL is set but ignored');
    expect(stackLines(res.stderr)).toEqual([]);
  });
});
