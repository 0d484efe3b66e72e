import { z } from 'zod';
import { intOption, parseOptions } from '@synthfarm/core';

/**
 * The plain options of a run ({@link createRun}, `runEmbedded`): parsed once, each default here
 * and nowhere else. A bad one throws `[run] invalid options: <option>: <rule>` (exit 2).
 */
export const RunOptionsSchema = z
  .object({
    mode: z.enum(['embedded', 'farm'], { error: "must be 'embedded' or 'farm'" }).default('embedded').describe("Where batches run: this process's threads, or farm workers. Default 'embedded'."),
    runId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, { error: 'must be letters, digits, _ and - (at most 128), starting with a letter or digit' })
      .optional()
      .describe('Names the run (staging directory, manifest, farm keys). Default: a new time-sortable id.'),
    threads: intOption(0)
      .optional()
      .describe("Code-stage worker threads; 0 runs code fields inline. Default: the run's size decides (codegen-pool's defaultThreads: inline for a short run or on one core, else one per core); the farm coordinator passes its own."),
    window: intOption(1)
      .optional()
      .describe("Batches in flight at most, per dataset. Default: the model's slots for model datasets, else eight per code thread (at least 8)."),
    offline: z.boolean().default(false).describe('Fill llm fields procedurally instead of calling a model (recorded in the manifest). Default false.'),
    maxRejects: intOption(0)
      .optional()
      .describe('Most rejected records a run may have and still be completed; past it the run fails (TOO_MANY_REJECTS). Default: no limit.'),
  })
  .strip();

/** Run options as a caller writes them: defaults optional. */
export type RunOptionsInput = z.input<typeof RunOptionsSchema>;
/** Run options after defaults. */
export type RunOptions = z.output<typeof RunOptionsSchema>;

/** Parses a run's options; the run's parts (functions, pools) are not its business. */
export function parseRunOptions(input: RunOptionsInput): RunOptions {
  return parseOptions(RunOptionsSchema, input, 'run');
}
