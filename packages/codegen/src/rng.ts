/**
 * sfc32: a small, fast PRNG with good statistical quality (PractRand clean to 2^40+ bytes).
 * Every field of every record gets its own short stream, re-seeded from
 * (seed, dataset, field, index, attempt), which is what makes a value independent of
 * batch size, thread count and mode.
 */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed = 0) {
    this.reset(seed);
  }

  /** Restarts the stream from a 32-bit seed. */
  reset(seed: number): this {
    // splitmix32 spreads the seed over the whole state, so neighbouring seeds (record i and
    // i+1) start unrelated; a few rounds then mix the state words into each other.
    // (Inlined: this runs for every field of every record, and a closure here is garbage.)
    let s = (seed + 0x9e3779b9) | 0;
    let z = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.a = (z ^ (z >>> 16)) | 0;
    s = (s + 0x9e3779b9) | 0;
    z = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.b = (z ^ (z >>> 16)) | 0;
    s = (s + 0x9e3779b9) | 0;
    z = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.c = (z ^ (z >>> 16)) | 0;
    this.d = 1;
    for (let i = 0; i < 4; i++) this.u32();
    return this;
  }

  /**
   * Restarts the stream from 64 bits of seed that are already uniform (a keyed hash's output):
   * 2^64 streams, where {@link reset} has 2^32, so a million pseudonyms of a unique column seldom
   * start on the same stream.
   */
  resetPair(lo: number, hi: number): this {
    this.a = lo | 0;
    this.b = hi | 0;
    this.c = 0x6a09e667;
    this.d = 1;
    for (let i = 0; i < 8; i++) this.u32();
    return this;
  }

  /** Puts this stream where `other` is (to draw the same numbers again). */
  copyFrom(other: Rng): this {
    this.a = other.a;
    this.b = other.b;
    this.c = other.c;
    this.d = other.d;
    return this;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 53 bits of precision. */
  next(): number {
    return (this.u32() * 2097152 + (this.u32() >>> 11)) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}
