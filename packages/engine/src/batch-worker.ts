/** Piscina worker entry: one code-stage batch per call. */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { Format } from '@synthfarm/output';
import type { BatchResult, BatchTask } from './batch-task.js';
import { generateBatch } from './generate-batch.js';
import { linesForTransfer } from './packed-lines.js';

export default async function run(task: BatchTask): Promise<BatchResult | object> {
  const res = await generateBatch(task);
  const lines = res.encoded?.lines;
  if (!lines) return res;
  // The batch's lines leave as bytes, moved rather than cloned (see linesForTransfer).
  const transfer: ArrayBuffer[] = [];
  for (const [f, p] of Object.entries(lines)) if (p && 'text' in p) lines[f as Format] = linesForTransfer(p, transfer);
  return transfer.length ? move({ [transferableSymbol]: transfer, [valueSymbol]: res }) : res;
}
