const DAY = 86_400;
/** Probe step: zones change offset a few times a year at most, never twice within a week. */
const STEP = 7 * DAY;

/**
 * A time zone's UTC offsets over a range of instants, read once from the runtime's Intl (ICU)
 * data: piecewise constant, `offsets[i]` seconds east of UTC from instant `starts[i]` on. Looking
 * an instant up is a binary search, not an Intl call: a datetime field formats one value per record.
 */
export class ZoneOffsets {
  private static readonly cache = new Map<string, ZoneOffsets>();
  /** The interval the last lookup fell in: values of a batch are often near each other. */
  private last = 0;

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
    const end = toSec + DAY;
    let prevT = fromSec - DAY;
    let prev = offsetAt(prevT);
    offsets.push(prev);
    // Probe once a week (an Intl call costs ~20 µs), then bisect each change to the second.
    for (let t = prevT + STEP; ; t += STEP) {
      const cur = offsetAt(Math.min(t, end));
      if (cur !== prev) {
        let lo = prevT;
        let hi = Math.min(t, end);
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
      if (t >= end) break;
    }
    return new ZoneOffsets(Float64Array.from(starts), Int32Array.from(offsets));
  }

  /** Seconds east of UTC at instant `sec`. */
  at(sec: number): number {
    const s = this.starts;
    const l = this.last;
    if (s[l]! <= sec && (l + 1 === s.length || sec < s[l + 1]!)) return this.offsets[l]!;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= sec) lo = mid;
      else hi = mid - 1;
    }
    this.last = lo;
    return this.offsets[lo]!;
  }
}

const LONG_OFFSET = /GMT(?:([+-])(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** Offset of `tz` at an instant, by Intl's `longOffset` name (`GMT+02:00`, `GMT` for zero), in seconds east of UTC. */
function offsetReader(tz: string): (sec: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
  return (sec) => {
    const m = LONG_OFFSET.exec(fmt.format(new Date(sec * 1000)));
    if (!m || !m[1]) return 0;
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0));
  };
}
