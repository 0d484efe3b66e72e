/**
 * A HyperLogLog sketch of distinct values (Flajolet et al. 2007): 2^10 registers, about 3%
 * standard error, mergeable by taking the larger register. Registers travel as a 1024-character
 * string (register value + 48, printable, so JSON does not escape it).
 */
export const HLL_BITS = 10;
const M = 1 << HLL_BITS;
const OFFSET = 48;

export function newRegisters(): Uint8Array {
  return new Uint8Array(M);
}

/** murmur3's finalizer over FNV-1a: a well-spread 32-bit hash of a string. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashNumber(x: number): number {
  f64[0] = x;
  return fmix(u32[0]! ^ fmix(u32[1]! + 0x9e3779b9));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Adds a value (a number, or anything else by its text) to the registers. */
export function addValue(reg: Uint8Array, v: unknown): void {
  const h = typeof v === 'number' ? hashNumber(v) : hashString(typeof v === 'string' ? v : String(v));
  const idx = h >>> (32 - HLL_BITS);
  const rank = Math.min(32 - HLL_BITS, Math.clz32((h << HLL_BITS) | 0)) + 1;
  if (rank > reg[idx]!) reg[idx] = rank;
}

export function registersToText(reg: Uint8Array): string {
  let s = '';
  for (let i = 0; i < reg.length; i++) s += String.fromCharCode(reg[i]! + OFFSET);
  return s;
}

/** Merges registers written by {@link registersToText} into `into`. */
export function mergeText(into: Uint8Array, text: string): void {
  for (let i = 0; i < M && i < text.length; i++) {
    const r = text.charCodeAt(i) - OFFSET;
    if (r > into[i]!) into[i] = r;
  }
}

/** Estimated number of distinct values (with the small-range correction). */
export function estimate(reg: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < M; i++) {
    sum += 2 ** -reg[i]!;
    if (reg[i] === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / M);
  const raw = (alpha * M * M) / sum;
  if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
  return Math.round(raw);
}
