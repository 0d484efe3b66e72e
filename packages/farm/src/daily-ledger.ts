import type { Redis } from 'ioredis';
import type { DailyLedger } from '@synthfarm/engine';
import type { FarmKeys } from './keys.js';

/** A day's ledger outlives its day by this long (a run settles batches it reserved before midnight), in seconds. */
const DAY_KEY_TTL_S = 3 * 86_400;

/**
 * Adds ARGV[1] USD to the day's total (KEYS[1]) unless it would pass the cap: the lower of
 * ARGV[2] (the run's `budgets.daily`, -1 for none) and the farm's cap (KEYS[2], set by
 * `--max-daily-cost`). ARGV[3] = '1' adds it whatever the cap. One script, so two coordinators
 * can never both take the last dollars.
 */
const RESERVE = `
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
local cap = tonumber(ARGV[2])
local farmCap = redis.call('GET', KEYS[2])
if farmCap then
  farmCap = tonumber(farmCap)
  if cap < 0 or farmCap < cap then cap = farmCap end
end
if ARGV[3] ~= '1' and cap >= 0 and total + tonumber(ARGV[1]) > cap then
  return {0, tostring(total), tostring(cap)}
end
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {1, v, tostring(cap)}
`;

const ADJUST = `
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return v
`;

/** The UTC day `at` falls on: what a day's ledger is keyed by. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * The farm's spending per UTC day, in Redis (DESIGN §8): every coordinator reserves each batch's
 * estimated cost here before dispatching it and settles it to what it cost at commit, so the
 * day's total counts every run of the farm, in flight included.
 */
export function createRedisDailyLedger(redis: Redis, keys: FarmKeys, now: () => Date = () => new Date()): DailyLedger {
  return {
    async reserve(usd, cap, force) {
      const day = utcDay(now());
      const [ok, total, effective] = (await redis.eval(RESERVE, 2, keys.dailySpend(day), keys.dailyCap, String(usd), String(cap ?? -1), force ? '1' : '0', String(DAY_KEY_TTL_S))) as [number, string, string];
      const c = Number(effective);
      return { ok: Number(ok) === 1, day, total: Number(total), ...(c >= 0 ? { cap: c } : {}) };
    },
    async adjust(day, usd) {
      await redis.eval(ADJUST, 1, keys.dailySpend(day), String(usd), String(DAY_KEY_TTL_S));
    },
  };
}

/** The farm's daily cap in USD, undefined when none is set. */
export async function farmDailyCap(redis: Redis, keys: FarmKeys): Promise<number | undefined> {
  const v = await redis.get(keys.dailyCap);
  return v === null ? undefined : Number(v);
}

/** USD the farm spent or holds on day `day` (default today, UTC). */
export async function dailySpend(redis: Redis, keys: FarmKeys, day = utcDay(new Date())): Promise<number> {
  return Number((await redis.get(keys.dailySpend(day))) ?? 0);
}
