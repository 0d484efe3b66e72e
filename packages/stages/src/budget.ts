import type { LlmBackend } from '@synthfarm/llm';

/**
 * A run's spending limit (`--max-cost`). Checked before each batch starts: once spent, no new
 * batch starts, in-flight batches finish, and the run ends `budget_exceeded`.
 */
export class Budget {
  constructor(private readonly backends: LlmBackend[], readonly maxCostUsd: number | undefined) {}

  /** USD spent so far over all backends (cache hits are free). */
  spent(): number {
    return this.backends.reduce((n, b) => n + b.stats().cost, 0);
  }

  exceeded(): boolean {
    return this.maxCostUsd !== undefined && this.spent() >= this.maxCostUsd;
  }
}
