import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where `jobs/` lives). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'apps/cli/bin/synthfarm.js');

/** Variables the jobs and test specs read (`${SEED:-42}`, `${NOPE}`) or that change the CLI's mode. */
const UNSET = ['SEED', 'NOPE', 'REDIS_URL', 'SYNTHFARM_REDIS_URL', 'SYNTHFARM_DEBUG'];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `synthfarm` CLI (apps/cli/dist must be built: `npx tsc -b apps/cli`).
 * Variables in UNSET are removed (then `opts.env` applied), so results do not depend on the
 * shell the tests run in.
 */
export function synthfarm(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  if (!existsSync(join(ROOT, 'apps/cli/dist/main.js'))) throw new Error('apps/cli is not built: run npx tsc -b apps/cli packages/engine');
  // No periodic progress lines: whether a run outlasts their interval depends on the machine's
  // load, and tests compare stderr exactly. A test of the lines sets SYNTHFARM_PROGRESS_EVERY.
  const env: NodeJS.ProcessEnv = { ...process.env, SYNTHFARM_PROGRESS_EVERY: '0' };
  for (const k of UNSET) delete env[k];
  Object.assign(env, opts.env);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(prefix = 'synthfarm-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Lines of a stack trace, which a user must never see for a bad input. */
export function stackLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\s{4}at /.test(l));
}
