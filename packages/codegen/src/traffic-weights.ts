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

/**
 * A traffic-shaped distribution of instants over [from, to] (seconds, inclusive): the density of
 * each hour of the range is the product of its local hour-of-day, weekday and month weights, so
 * a DST change or a half-hour zone moves the peak with local time. Built once per field: a
 * cumulative table over the range's hours (16 bytes an hour), sampled by inverse CDF — one draw
 * and a binary search per value, and the same bytes on every platform (IEEE sums in one order).
 */
export class TrafficWeights {
  private readonly first: number;
  /** Weight per second of each hour of the range. */
  private readonly density: Float64Array;
  /** Mass before each hour; `cumulative[hours]` is the total. */
  private readonly cumulative: Float64Array;

  constructor(w: TrafficWeightSpec, private readonly from: number, private readonly to: number, zone: ZoneOffsets | undefined, specPath: string) {
    this.first = Math.floor(from / HOUR);
    const hours = Math.floor(to / HOUR) - this.first + 1;
    this.density = new Float64Array(hours);
    this.cumulative = new Float64Array(hours + 1);
    for (let k = 0; k < hours; k++) {
      const start = (this.first + k) * HOUR;
      const local = start + (zone ? zone.at(start) : 0);
      const day = Math.floor(local / 86_400);
      const hour = Math.floor((local - day * 86_400) / HOUR);
      // 1970-01-01 was a Thursday: index 3 of a Monday-first week.
      const d = w.hour ? w.hour[hour]! : 1;
      const e = w.weekday ? w.weekday[(((day + 3) % 7) + 7) % 7]! : 1;
      const m = w.month ? w.month[monthOfDay(day) - 1]! : 1;
      this.density[k] = d * e * m;
      this.cumulative[k + 1] = this.cumulative[k]! + this.density[k]! * (this.segmentEnd(k) - this.segmentStart(k));
    }
    if (!(this.cumulative[hours]! > 0)) throw new SpecError(`${specPath}.weights`, 'no hour between from and to has a weight > 0');
  }

  /**
   * The instant at quantile `u` (0..1) of the distribution cut to [lo, to]: the draw that puts a
   * child after its parent. When no weighted time is left after `lo`, `lo` itself.
   */
  sample(u: number, lo = this.from): number {
    const base = this.massBefore(lo);
    const total = this.cumulative[this.cumulative.length - 1]!;
    if (!(total - base > 0)) return lo;
    const target = base + u * (total - base);
    // The last hour whose cumulative mass is <= target and that has mass.
    const c = this.cumulative;
    let a = 0;
    let b = this.density.length - 1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (c[mid]! <= target) a = mid;
      else b = mid - 1;
    }
    while (a > 0 && this.density[a] === 0) a--;
    const start = Math.max(lo, this.segmentStart(a));
    const end = this.segmentEnd(a) - 1;
    const sec = this.segmentStart(a) + Math.floor((target - c[a]!) / this.density[a]!);
    return Math.min(end, Math.max(start, sec));
  }

  private massBefore(sec: number): number {
    if (sec <= this.from) return 0;
    const k = Math.min(this.density.length - 1, Math.floor(sec / HOUR) - this.first);
    return this.cumulative[k]! + this.density[k]! * (Math.min(sec, this.segmentEnd(k)) - this.segmentStart(k));
  }

  /** First second of hour k of the range (the range's own first second for hour 0). */
  private segmentStart(k: number): number {
    return Math.max(this.from, (this.first + k) * HOUR);
  }

  /** One past the last second of hour k of the range. */
  private segmentEnd(k: number): number {
    return Math.min(this.to + 1, (this.first + k + 1) * HOUR);
  }
}
