import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The niceness {@link yieldHelperThreads} gives helper threads: the lowest priority. */
export const HELPER_NICE = 19;

/**
 * Lowers the scheduling priority of every thread this process has now but its main thread, and
 * returns how many it lowered (Linux; elsewhere it does nothing and returns 0). Before a run
 * starts threads of its own, those are node's helper threads: V8's platform workers (TurboFan,
 * GC helpers) and task scheduler, and libuv's file-system pool. Threads started later (worker
 * threads) take the priority of the thread that starts them.
 *
 * Why: on two cores, V8's four workers compile and mark beside the one thread doing an inline
 * run's work, and the kernel shares the cores among all of them. The loadtest's inline run spent
 * 107 ms of its ~670 ms runnable but waiting for a core (median of 20, schedstat of the main
 * thread); with its helpers at the lowest priority, 25 ms, and the run took ~40 ms less (the
 * CLI, spawn to exit: 1,179 → 1,139 ms, 20 alternating pairs). The helpers still have every core
 * the run's thread leaves idle: their work is only later. Not for a process whose own threads
 * keep every core busy (a run with code threads): they would take the cores from the compiler
 * too, and its optimized code comes late.
 *
 * Lowering a priority needs no privilege; raising it back would: the process keeps it.
 */
export function yieldHelperThreads(nice = HELPER_NICE, pid = process.pid): number {
  if (process.platform !== 'linux') return 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const t of tids) {
    const tid = Number(t);
    if (tid === pid) continue;
    try {
      if (getPriority(tid) >= nice) continue;
      setPriority(tid, nice);
      lowered++;
    } catch {
      // The thread ended meanwhile, or this system refuses: it keeps its priority.
    }
  }
  return lowered;
}
