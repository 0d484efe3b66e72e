import { createHash } from 'node:crypto';

const charCodeAt = String.prototype.charCodeAt;

/**
 * cyrb53: a fast, well-mixed 53-bit string hash that fits a JS number exactly.
 * Used for field stream keys and uniqueness keys; not for anything security-related.
 */
export function hash53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  // Strings of several representations (flat, sliced, concatenated) reach this function, and
  // `str.charCodeAt` / `str.length` in the loop were a megamorphic lookup per character.
  const n = str.length;
  for (let i = 0; i < n; i++) {
    const ch = charCodeAt.call(str, i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Mixes a 32-bit key with further integers (record index, attempt) into one 32-bit value.
 * Fixed arity rather than rest parameters: it runs per field per record, and a rest array
 * per call is garbage.
 */
export function mix32(key: number, a: number, b?: number, c?: number, d?: number): number {
  let h = mixIn(key >>> 0, a);
  if (b !== undefined) h = mixIn(h, b);
  if (c !== undefined) h = mixIn(h, c);
  if (d !== undefined) h = mixIn(h, d);
  return h;
}

function mixIn(h: number, p: number): number {
  // Split so indexes above 2^32 still change the result.
  h = fmix32(h ^ fmix32((p >>> 0) + 0x9e3779b9));
  return fmix32(h ^ Math.floor(p / 4294967296));
}

/** Hex sha256 of a string or bytes: spec hashes, cache keys, output file checksums. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
