import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/**
 * CPU time (user + system, in milliseconds, all threads of this process) that `fn` takes.
 * Unlike wall time it barely moves when other processes load the machine, so a test can bound
 * it without failing on a busy two-core box; a hang or a super-linear blow-up still shows.
 * Other work this process does meanwhile counts too, so measure one thing at a time.
 */
export async function cpuMs(fn: () => unknown): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const { user, system } = process.cpuUsage(c0);
  return (user + system) / 1000;
}

/**
 * The smallest CPU time of `runs` calls of `fn`: one measurement can carry a garbage collection
 * or a page-in that is not the code's own cost; the minimum is what the code needs.
 */
export async function minCpuMs(fn: () => unknown, runs: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, await cpuMs(fn));
  return best;
}

/** Preload (`NODE_OPTIONS=--require`) that makes a child write its own CPU time to a file. */
export const CPU_REPORT = join(ROOT, 'test/support/cpu-report.cjs');

/** Environment for a child that reports its CPU time to `file` at exit (see cpu-report.cjs). */
export function cpuReportEnv(file: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { SYNTHFARM_TEST_CPU_FILE: file, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${CPU_REPORT}`.trim() };
}

/** The CPU time, in milliseconds, a child started with cpuReportEnv(file) reported at exit. */
export async function reportedCpuMs(file: string): Promise<number> {
  const { user, system } = JSON.parse(await readFile(file, 'utf8')) as { user: number; system: number };
  return (user + system) / 1000;
}

/**
 * CPU time, in milliseconds, a running process has used so far (Linux /proc; USER_HZ is 100 on
 * every Linux Node runs on). A test that watches a child can wait on the child's own clock.
 */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime, stime are 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
