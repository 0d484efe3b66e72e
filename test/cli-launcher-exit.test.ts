import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './support/cli.js';

/**
 * The launcher ends a one-shot command's process as soon as the command is done (process.exit
 * after stdout and stderr are drained), skipping Node's heap teardown. What a user would notice
 * if it went wrong: output cut short when it goes through a pipe, or a program that imports the
 * launcher (bench:codegen does) killed before it reads its result.
 */

const BIN = join(ROOT, 'apps/cli/bin/synthfarm.js');
const SPEC = 'version: 1\nseed: 5\ndatasets:\n  - name: people\n    count: 3000\n    fields:\n      id: { kind: sequence }\n      name: { kind: faker, method: person.fullName }\n';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('synthfarm-launcher-exit-');
  await writeFile(join(tmp.dir, 'spec.yaml'), SPEC);
});
afterAll(async () => tmp.cleanup());

function node(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', fail);
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('the launcher ending a one-shot command', () => {
  it('writes every line of the summary through a pipe before the process ends', async () => {
    const res = await node([BIN, 'run', join(tmp.dir, 'spec.yaml'), '--out', join(tmp.dir, 'out1'), '--json']);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^people: 3000 written, 0 rejected/);
    const summary = JSON.parse(lines.at(-1)!) as { status: string; datasets: Record<string, { written: number }> };
    expect(summary.status).toBe('completed');
    expect(summary.datasets.people!.written).toBe(3000);
  });

  it('leaves the process of a program that imports the launcher running after the command', async () => {
    const script = join(tmp.dir, 'imports-launcher.mjs');
    await writeFile(script, `process.argv.splice(2, Infinity, 'validate', ${JSON.stringify(join(tmp.dir, 'spec.yaml'))});\nawait import(${JSON.stringify(pathToFileURL(BIN).href)});\nconsole.log('still running, exit code ' + process.exitCode);\n`);
    const res = await node([script]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('still running, exit code 0');
  });
});
