import { InvalidArgumentError } from 'commander';

/** `--max-rejects` when none is given: a run that rejects more than a tenth of its records fails. */
export const DEFAULT_MAX_REJECTS = '10%';

/** `--max-rejects N` (records) or `P%` (of the records requested). */
export type MaxRejects = { count: number } | { percent: number };

/** Commander option parser for `--max-rejects N|P%` (a bad value is a usage error, exit 2). */
export function parseMaxRejects(value: string): MaxRejects {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (pct && Number(pct[1]) <= 100) return { percent: Number(pct[1]) };
  if (/^\d+$/.test(value.trim())) return { count: Number(value.trim()) };
  throw new InvalidArgumentError(`--max-rejects must be a record count >= 0 or a percentage 0%..100%, got '${value}'`);
}

/** The most rejected records a run of `total` records may have and still complete. */
export function maxRejectsOf(limit: MaxRejects, total: number): number {
  return 'count' in limit ? limit.count : Math.floor((total * limit.percent) / 100);
}
