import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stackLines, synthfarm, tempDir } from './support/cli.js';

/**
 * Model host URLs must be http(s): a `file:///` (or `ftp:`) host given in a spec or to
 * `worker --host` is a usage error (exit 2) naming where it was written, before any client
 * library sees it.
 */

const spec = (backend: string) => `version: 1
datasets:
  - name: people
    count: 5
    fields:
      id: { kind: sequence }
      bio: { kind: llm, prompt: "one line about {{id}}" }
stages:
  generate: { backend: fast }
backends:
  fast: ${backend}
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
const at = (f: string): string => join(tmp.dir, f);

beforeAll(async () => {
  tmp = await tempDir('synthfarm-host-url-');
  await writeFile(at('file-host.yaml'), spec('{ provider: ollama, model: "gemma3:4b", hosts: ["http://127.0.0.1:9", "file:///"] }'));
  await writeFile(at('ftp-base.yaml'), spec('{ provider: openai, model: "m", baseUrl: "ftp://models.example/v1" }'));
});
afterAll(() => tmp?.cleanup());

const cases: Array<[string, () => string[], string]> = [
  ['spec hosts: file:/// (run)', () => ['run', at('file-host.yaml'), '--out', at('o1')], 'synthfarm: backends.fast.hosts[1]: must use http:// or https://, not file://: expected a URL like http://localhost:11434'],
  ['spec hosts: file:/// (validate)', () => ['validate', at('file-host.yaml')], 'synthfarm: backends.fast.hosts[1]: must use http:// or https://, not file://: expected a URL like http://localhost:11434'],
  ['spec baseUrl: ftp://', () => ['run', at('ftp-base.yaml'), '--out', at('o2')], 'synthfarm: backends.fast.baseUrl: must use http:// or https://, not ftp://: expected a URL like http://localhost:8000/v1'],
  ['worker --host gpu1=file:///', () => ['worker', '--host', 'gpu1=file:///', '--redis', 'redis://127.0.0.1:9'], 'synthfarm: --host gpu1=file:///: must use http:// or https://, not file://: expected a URL like http://gpu1:11434'],
];

describe('non-http(s) model hosts: one line, exit 2', () => {
  it.concurrent.for(cases)('%s', async ([, args, line], { expect }) => {
    const res = await synthfarm(args());
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.stderr).toBe(`${line}\n`);
    expect(res.code).toBe(2);
  });
});
