/** Piscina worker entry: one code-stage batch per call. */
import type { BatchResult, BatchTask } from './batch-task.js';
import { generateBatch } from './generate-batch.js';

export default function run(task: BatchTask): Promise<BatchResult> {
  return generateBatch(task);
}
