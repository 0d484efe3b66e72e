import { SpecError } from '@synthfarm/core/errors';
import { monthOfDay } from './iso-date.js';
import type { ZoneOffsets } from './zone-offsets.js';

/** Relative weights by local hour of day (24), day of week (7, Monday first) and month (12). */
export interface TrafficWeightSpec {
  hour?: number[] | undefined;
  weekday?: number[] | undefined;
  month?: number[] | undefined;
}

const HOUR = 3600;
const DAY = 86_400;

/**
 * A traffic-shaped distribution of instants over [from, to] (seconds, inclusive): the density of
 * each hour of the range is the product of its local hour-of-day, weekday and month weights, so a
 * DST change or a half-hour zone moves the peak with local time. Built once per field: a
 * cumulative table with one number per UTC day of the range (8 bytes a day: 230 years fit in
 * 0.7 MB), sampled by inverse CDF — one draw, a binary search over days, a walk over the day's 24
 * hours — and the same bytes on every platform (IEEE sums in one order).
 */
export class TrafficWeights {
  private static readonly cache = new Map<string, TrafficWeights>();

  /** The table of a field, shared by every compile of the same field in this thread (the committer, checks and batches all compile it). */
  static of(w: TrafficWeightSpec, from: number, to: number, tz: string | undefined, zone: ZoneOffsets | undefined, specPath: string): TrafficWeights {
    const key = JSON.stringify([w.hour, w.weekday, w.month, from, to, tz ?? null]);
    let t = TrafficWeights.cache.get(key);
    if (!t) {
      t = new TrafficWeights(w, from, to, zone, specPath);
      if (TrafficWeights.cache.size > 32) TrafficWeights.cache.clear();
      TrafficWeights.cache.set(key, t);
    }
    return t;
  }

  private readonly firstDay: number;
  /** Mass before each UTC day of the range; the last entry is the total. */
  private readonly cumulative: Float64Array;
  private lastLocalDay = NaN;
  private lastDayWeight = 0;

  private constructor(private readonly w: TrafficWeightSpec, private readonly from: number, private readonly to: number, private readonly zone: ZoneOffsets | undefined, specPath: string) {
    this.firstDay = Math.floor(from / DAY);
    const days = Math.floor(to / DAY) - this.firstDay + 1;
    this.cumulative = new Float64Array(days + 1);
    for (let d = 0; d < days; d++) {
      let mass = 0;
      const start = (this.firstDay + d) * DAY;
      for (let k = 0; k < 24; k++) mass += this.segmentMass(start + k * HOUR);
      this.cumulative[d + 1] = this.cumulative[d]! + mass;
    }
    if (!(this.cumulative[days]! > 0)) throw new SpecError(`${specPath}.weights`, 'no hour between from and to has a weight > 0');
  }

  /**
   * The instant at quantile `u` (0..1) of the distribution cut to [lo, to]: the draw that puts a
   * child after its parent. When no weighted time is left after `lo`, `lo` itself.
   */
  sample(u: number, lo = this.from): number {
    const c = this.cumulative;
    const base = this.massBefore(lo);
    const total = c[c.length - 1]!;
    if (!(total - base > 0)) return lo;
    const target = base + u * (total - base);
    // The last day whose mass before it is <= target.
    const first = Math.max(0, Math.min(c.length - 2, Math.floor(lo / DAY) - this.firstDay));
    let a = first;
    let b = c.length - 2;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (c[mid]! <= target) a = mid;
      else b = mid - 1;
    }
    // Back over days with no mass (a target on the boundary of an empty stretch).
    while (a > first && c[a + 1] === c[a]) a--;
    let acc = c[a]!;
    let pick = -1;
    let pickAcc = acc;
    const day = (this.firstDay + a) * DAY;
    for (let k = 0; k < 24; k++) {
      const start = day + k * HOUR;
      const m = this.segmentMass(start);
      if (m <= 0) continue;
      pick = start;
      pickAcc = acc;
      if (target < acc + m) break;
      acc += m;
    }
    if (pick < 0) return lo;
    const segStart = Math.max(this.from, pick);
    const segEnd = Math.min(this.to + 1, pick + HOUR) - 1;
    const sec = segStart + Math.floor((target - pickAcc) / this.density(pick));
    return Math.min(segEnd, Math.max(lo, segStart, sec));
  }

  private massBefore(sec: number): number {
    if (sec <= this.from) return 0;
    const d = Math.min(this.cumulative.length - 2, Math.floor(sec / DAY) - this.firstDay);
    let mass = this.cumulative[d]!;
    const day = (this.firstDay + d) * DAY;
    for (let k = 0; k < 24; k++) {
      const start = day + k * HOUR;
      if (start >= sec) break;
      const segStart = Math.max(this.from, start);
      const end = Math.min(this.to + 1, start + HOUR, sec);
      if (end > segStart) mass += this.density(start) * (end - segStart);
    }
    return mass;
  }

  /** Mass of the UTC hour starting at `start`, cut to the range. */
  private segmentMass(start: number): number {
    const len = Math.min(this.to + 1, start + HOUR) - Math.max(this.from, start);
    return len > 0 ? this.density(start) * len : 0;
  }

  /** Weight per second of the UTC hour starting at `start`: its local hour, weekday and month. */
  private density(start: number): number {
    const local = start + (this.zone ? this.zone.at(start) : 0);
    const day = Math.floor(local / DAY);
    const hour = Math.floor((local - day * DAY) / HOUR);
    if (day !== this.lastLocalDay) {
      this.lastLocalDay = day;
      // 1970-01-01 was a Thursday: index 3 of a Monday-first week.
      const w = this.w;
      this.lastDayWeight = (w.weekday ? w.weekday[(((day + 3) % 7) + 7) % 7]! : 1) * (w.month ? w.month[monthOfDay(day) - 1]! : 1);
    }
    return (this.w.hour ? this.w.hour[hour]! : 1) * this.lastDayWeight;
  }
}
