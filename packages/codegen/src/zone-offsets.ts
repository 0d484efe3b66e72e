const DAY = 86_400;

/**
 * A time zone's UTC offsets over a range of instants, read once from the runtime's Intl (ICU)
 * data: piecewise constant, `offsets[i]` seconds east of UTC from instant `starts[i]` on. Looking
 * an instant up is a binary search, not an Intl call: a datetime field formats one value per record.
 */
export class ZoneOffsets {
  private static readonly cache = new Map<string, ZoneOffsets>();

  private constructor(
    private readonly starts: Float64Array,
    private readonly offsets: Int32Array,
  ) {}

  /** The offsets of `tz` between two instants (seconds since the epoch), shared per thread. */
  static of(tz: string, fromSec: number, toSec: number): ZoneOffsets {
    const key = `${tz}\u0000${fromSec}\u0000${toSec}`;
    let z = ZoneOffsets.cache.get(key);
    if (!z) {
      if (ZoneOffsets.cache.size > 64) ZoneOffsets.cache.clear();
      ZoneOffsets.cache.set(key, (z = ZoneOffsets.read(tz, fromSec, toSec)));
    }
    return z;
  }

  private static read(tz: string, fromSec: number, toSec: number): ZoneOffsets {
    const offsetAt = offsetReader(tz);
    const starts: number[] = [-Infinity];
    const offsets: number[] = [];
    let prevT = fromSec - DAY;
    let prev = offsetAt(prevT);
    offsets.push(prev);
    // Zones change offset at most about twice a year: probe once a day, then bisect each change to the second.
    for (let t = prevT + DAY; ; t += DAY) {
      const cur = offsetAt(Math.min(t, toSec + DAY));
      if (cur !== prev) {
        let lo = prevT;
        let hi = Math.min(t, toSec + DAY);
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (offsetAt(mid) === prev) lo = mid;
          else hi = mid;
        }
        starts.push(hi);
        offsets.push(cur);
        prev = cur;
      }
      prevT = t;
      if (t >= toSec + DAY) break;
    }
    return new ZoneOffsets(Float64Array.from(starts), Int32Array.from(offsets));
  }

  /** Seconds east of UTC at instant `sec`. */
  at(sec: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= sec) lo = mid;
      else hi = mid - 1;
    }
    return this.offsets[lo]!;
  }
}

/** Offset of `tz` at an instant, by Intl: the zone's wall-clock reading minus the instant. */
function offsetReader(tz: string): (sec: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', era: 'short',
    year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  return (sec) => {
    const p: Record<string, string> = {};
    for (const { type, value } of fmt.formatToParts(new Date(sec * 1000))) p[type] = value;
    const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year);
    const wall = Date.UTC(year, Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
    // Date.UTC maps years 0..99 to 1900..1999; set the year again for those.
    const d = new Date(wall);
    if (year >= 0 && year < 100) d.setUTCFullYear(year);
    return Math.round(d.getTime() / 1000) - sec;
  };
}
