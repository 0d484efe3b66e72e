/**
 * A Bloom filter of fixed size (2^22 bits, 512 KiB, 3 probes) over 53-bit hashes. Two filters of
 * the same size can be compared bit by bit: if A's values are contained in B's, every bit set in
 * A is set in B. That is how a profile infers a foreign key between two files in one pass each.
 */
export class BloomFilter {
  static readonly BITS = 1 << 22;
  readonly words = new Uint32Array(BloomFilter.BITS / 32);

  add(h: number): void {
    // The three probes of probes(), without an array per value (this runs for every key-like value).
    const a = h % BloomFilter.BITS;
    const b = Math.floor(h / BloomFilter.BITS) | 1;
    const w = this.words;
    const p1 = (a + b) % BloomFilter.BITS;
    const p2 = (a + 2 * b) % BloomFilter.BITS;
    w[a >>> 5]! |= 1 << (a & 31);
    w[p1 >>> 5]! |= 1 << (p1 & 31);
    w[p2 >>> 5]! |= 1 << (p2 & 31);
  }

  has(h: number): boolean {
    for (const b of probes(h)) if ((this.words[b >>> 5]! & (1 << (b & 31))) === 0) return false;
    return true;
  }

  /** Share of this filter's set bits that are also set in `other` (1 when contained). */
  containedIn(other: BloomFilter): number {
    let mine = 0;
    let both = 0;
    for (let i = 0; i < this.words.length; i++) {
      const w = this.words[i]!;
      if (w === 0) continue;
      mine += popcount(w);
      both += popcount(w & other.words[i]!);
    }
    return mine === 0 ? 1 : both / mine;
  }
}

function probes(h: number): [number, number, number] {
  const a = h % BloomFilter.BITS;
  const b = Math.floor(h / BloomFilter.BITS) | 1; // 31 bits, odd
  return [a, (a + b) % BloomFilter.BITS, (a + 2 * b) % BloomFilter.BITS];
}

function popcount(w: number): number {
  w -= (w >>> 1) & 0x55555555;
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
