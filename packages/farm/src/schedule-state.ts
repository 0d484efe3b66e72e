import { z } from 'zod';
import type { FarmConnection } from './farm-connection.js';

/** How many directory names a schedule remembers having created (for `keep`); older ones are forgotten, never deleted. */
const MAX_REMEMBERED_DIRS = 1000;

/**
 * The outcome of one firing, as `schedule list`, `/metrics` and the webhook show it. `code` is
 * what an exit status would be: 0 for a firing that completed with no rejects, 1 for one that
 * failed or rejected records (it still wrote the rest).
 */
export const FiringSchema = z.object({
  /** When the firing started, ISO-8601. */
  at: z.string(),
  /** When it ended, ISO-8601. */
  endedAt: z.string(),
  /** The run's status (`completed`, `failed`, `budget_exceeded`, `cancelled`), or `failed` when no run could start. */
  status: z.string(),
  code: z.union([z.literal(0), z.literal(1)]),
  written: z.number().int().min(0),
  rejected: z.number().int().min(0),
  /** Absolute output directory of the firing, when one was made. */
  outDir: z.string().optional(),
  runId: z.string().optional(),
  /** Why it failed (a short message, never a secret). */
  error: z.string().optional(),
});
export type Firing = z.infer<typeof FiringSchema>;

/** What is known of a schedule's firings. */
export interface ScheduleState {
  last?: Firing;
  /** The start of the newest firing with code 0, ISO-8601. */
  lastSuccessAt?: string;
}

/** Records a firing's outcome. */
export async function recordFiring(farm: FarmConnection, name: string, firing: Firing): Promise<void> {
  const fields: Record<string, string> = { last: JSON.stringify(firing) };
  if (firing.code === 0) fields.lastSuccessAt = firing.at;
  await farm.redis.hset(farm.keys.schedule(name), fields);
}

export async function readScheduleState(farm: FarmConnection, name: string): Promise<ScheduleState> {
  const h = await farm.redis.hgetall(farm.keys.schedule(name));
  const last = h.last ? FiringSchema.safeParse(JSON.parse(h.last)) : undefined;
  return { ...(last?.success ? { last: last.data } : {}), ...(h.lastSuccessAt ? { lastSuccessAt: h.lastSuccessAt } : {}) };
}

/** Remembers a firing directory (its name under `ROOT/NAME/`) as this schedule's own. */
export async function rememberDir(farm: FarmConnection, name: string, base: string): Promise<void> {
  await farm.redis.multi().lpush(farm.keys.scheduleDirs(name), base).ltrim(farm.keys.scheduleDirs(name), 0, MAX_REMEMBERED_DIRS - 1).exec();
}

/** The directory names this schedule created, newest first. */
export function createdDirs(farm: FarmConnection, name: string): Promise<string[]> {
  return farm.redis.lrange(farm.keys.scheduleDirs(name), 0, -1);
}

export async function forgetDirs(farm: FarmConnection, name: string, bases: readonly string[]): Promise<void> {
  if (!bases.length) return;
  const m = farm.redis.multi();
  for (const b of bases) m.lrem(farm.keys.scheduleDirs(name), 0, b);
  await m.exec();
}

/** Drops what is known of a removed schedule (its directories stay on disk). */
export async function dropScheduleState(farm: FarmConnection, name: string): Promise<void> {
  await farm.redis.del(farm.keys.schedule(name), farm.keys.scheduleDirs(name));
}
