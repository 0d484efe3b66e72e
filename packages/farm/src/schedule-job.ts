import { z } from 'zod';
import { NotifySchema } from './schedule-notify.js';

/**
 * What a schedule carries (the template of its BullMQ job scheduler): the spec as written when it
 * was added or updated, and where it came from. It reads no environment when it fires (the
 * firing process's environment is not the submitter's): `${VAR:-default}` takes its default and
 * an apiKey names a secret the operator bound, which workers resolve.
 */
export const ScheduleJobSchema = z.object({
  schedule: z.string().min(1),
  specText: z.string().min(1),
  /** The spec file as named on the command line (messages name it). */
  source: z.string(),
  /** Absolute path of the spec file, which `schedule update` reads again. Absent in schedules added before it was kept. */
  specPath: z.string().optional(),
  /** sha256 (hex) of {@link specText}: `schedule list` compares the file's hash now with it. */
  specSha256: z.string().optional(),
  /** Absolute root; each firing writes to `<outRoot>/<schedule>/<date>/`. */
  outRoot: z.string().min(1),
  tz: z.string().default('UTC'),
  /** Firing directories kept; older ones this schedule created are deleted. Default: all kept. */
  keep: z.number().int().positive().optional(),
  /** A webhook told of firings (by default of those that failed or rejected records). */
  notify: NotifySchema.optional(),
});
export type ScheduleJob = z.infer<typeof ScheduleJobSchema>;
