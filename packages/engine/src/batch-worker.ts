/** Piscina worker entry: one code-stage batch per call. */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { oneAtATime } from '@synthfarm/core/one-at-a-time';
import type { Format } from '@synthfarm/output';
import type { BatchResult, BatchTask } from './batch-task.js';
import { generateBatch } from './generate-batch.js';
import { linesForTransfer } from './packed-lines.js';

/**
 * Runs the thread's tasks one after another, in the order they came. A thread holds several
 * (TASKS_QUEUED_PER_THREAD), and a batch read from a source awaits between its runs of rows: left
 * to themselves the tasks interleaved there, and each finished only when all of them did, ~3x
 * later. The committer takes batches in order: the first commit of bench:migrate's million rows
 * came 0.61-0.80 s after the run started, 0.38-0.44 s now (5 alternating rounds each). And three
 * batches' rows and lines were alive at once where the thread's heap is sized for one.
 */
export default oneAtATime(runTask);

async function runTask(task: BatchTask): Promise<BatchResult | object> {
  const res = await generateBatch(task);
  const lines = res.encoded?.lines;
  if (!lines) return res;
  // The batch's lines leave as bytes, moved rather than cloned (see linesForTransfer).
  const transfer: ArrayBuffer[] = [];
  for (const [f, p] of Object.entries(lines)) if (p && 'text' in p) lines[f as Format] = linesForTransfer(p, transfer);
  return transfer.length ? move({ [transferableSymbol]: transfer, [valueSymbol]: res }) : res;
}
