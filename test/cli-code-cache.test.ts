import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, synthfarm, tempDir } from './support/cli.js';

/**
 * The CLI runs as one script with a V8 code cache beside it (apps/cli/bin/run-bundle.js). What a
 * user would notice if it went wrong: a run that fails or writes other bytes when the cache is
 * there, or when it is damaged. A faker locale other than English is loaded by import() at run
 * time, the one call V8 breaks in a script that comes from a code cache (Node 20).
 */

const CACHE_DIR = join(ROOT, 'apps/cli/bundle/code-cache');
const SPEC = 'version: 1\nseed: 3\ndatasets:\n  - name: people\n    count: 20\n    fields:\n      id: { kind: sequence }\n      name: { kind: faker, method: person.fullName, locale: de }\n';

let tmp: { dir: string; cleanup: () => Promise<void> };
// A flag set of its own gives this test a cache key no other process uses.
const env = { NODE_OPTIONS: `--title=synthfarm-code-cache-test-${randomBytes(4).toString('hex')}` };
const listCaches = async (): Promise<string[]> => (await readdir(CACHE_DIR).catch(() => [] as string[])).filter((f) => f.endsWith('.bin'));
let ours: string | undefined;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-code-cache-');
  await writeFile(join(tmp.dir, 'spec.yaml'), SPEC);
});
afterAll(async () => {
  if (ours) await rm(join(CACHE_DIR, ours), { force: true });
  await tmp.cleanup();
});

async function run(out: string): Promise<Buffer> {
  const res = await synthfarm(['run', join(tmp.dir, 'spec.yaml'), '--out', join(tmp.dir, out)], { env });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return readFile(join(tmp.dir, out, 'people.csv'));
}

describe('the CLI code cache', () => {
  it('is written by the first run of a command, read by the next, and the bytes stay the same', async () => {
    await expect(stat(join(ROOT, 'apps/cli/bundle/main.cjs')), 'the CLI bundle is built (npm run build)').resolves.toBeDefined();
    const before = new Set(await listCaches());
    const first = await run('first');
    const added = (await listCaches()).filter((f) => !before.has(f));
    expect(added).toHaveLength(1);
    ours = added[0]!;
    const written = await stat(join(CACHE_DIR, ours));

    const second = await run('second');
    expect(second.equals(first)).toBe(true);
    // Read, not written again.
    expect((await stat(join(CACHE_DIR, ours))).mtimeMs).toBe(written.mtimeMs);
    expect(first.toString('utf8').split('\n')).toHaveLength(22); // header, 20 rows, final newline
  });

  it('a damaged cache is refused by V8: the run works, writes the same bytes, and replaces it', async () => {
    expect(ours).toBeDefined();
    const file = join(CACHE_DIR, ours!);
    const garbage = randomBytes((await stat(file)).size);
    await writeFile(file, garbage);
    const reference = await readFile(join(tmp.dir, 'first', 'people.csv'));
    const third = await run('third');
    expect(third.equals(reference)).toBe(true);
    expect((await readFile(file)).equals(garbage)).toBe(false);
  });
});
