import { endianness } from 'node:os';
import { SIPHASH_WASM } from './siphash-wasm.js';

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed pseudorandom function with a 128-bit key
 * and a 64-bit output: in WebAssembly's 64-bit arithmetic (siphash.wat), or in 32-bit JavaScript
 * arithmetic where a 64-bit word is a (hi, lo) pair (a message too long for the module's memory,
 * a big-endian machine, a runtime without WebAssembly).
 *
 * The message is a string's UTF-16 code units, little-endian (2 bytes each), followed by a
 * 32-bit little-endian `tail`: SipHash-2-4 of exactly those bytes, with no copy of them made.
 *
 * Why not HMAC-SHA256 per value: `createHmac` costs 4–7 µs a call (a key object, a native
 * context, a Buffer digest), and a migration hashes every pseudonym column of every row; this
 * costs ~0.25 µs for a name in JavaScript, ~0.08 µs in WebAssembly (a million rows with three
 * pseudonym columns spent ~0.7 s of CPU hashing in JavaScript). SipHash is a PRF built for short
 * inputs under a secret key (it guards hash tables against chosen keys): without the key its
 * outputs cannot be predicted or linked to inputs by hashing guesses.
 * test: siphash.test.ts holds it to the reference vectors (OpenSSL's SIPHASH).
 */
export class SipHash24 {
  private readonly k0h: number;
  private readonly k0l: number;
  private readonly k1h: number;
  private readonly k1l: number;
  /** This hasher's module instance (its key set), or undefined to hash in JavaScript. */
  private readonly wasm: { hash: (bytes: number) => void; units: Uint16Array; out: Int32Array } | undefined;
  /** The last hash's output, high and low 32 bits (signed). */
  hi = 0;
  lo = 0;

  /**
   * @param key 16 bytes.
   * @param engine `js` hashes in JavaScript only (the tests hold both engines to the same outputs).
   */
  constructor(key: Uint8Array, engine: 'wasm' | 'js' = 'wasm') {
    if (key.length !== 16) throw new RangeError(`SipHash-2-4 needs a 16-byte key, got ${key.length}`);
    const w = (i: number) => key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    this.k0l = w(0);
    this.k0h = w(4);
    this.k1l = w(8);
    this.k1h = w(12);
    const mod = engine === 'wasm' ? sipHashModule() : undefined;
    if (mod) {
      const { hash, setKey, memory } = new Wasm!.Instance(mod).exports as WasmExports;
      setKey(this.k0l, this.k0h, this.k1l, this.k1h);
      // The memory never grows: these views stay valid. Units from byte 16, the output at byte 0.
      this.wasm = { hash, units: new Uint16Array(memory.buffer, MESSAGE_AT), out: new Int32Array(memory.buffer, 0, 2) };
    }
  }

  /** Hashes UTF-16LE(`s`) ‖ LE32(`tail`); the result is in {@link hi} and {@link lo}. */
  hashString(s: string, tail: number): this {
    const wasm = this.wasm;
    const n = s.length;
    if (wasm === undefined || n > MAX_WASM_UNITS) return this.hashStringJs(s, tail);
    const units = wasm.units;
    for (let i = 0; i < n; i++) units[i] = charCodeAt.call(s, i);
    units[n] = tail & 0xffff;
    units[n + 1] = tail >>> 16;
    wasm.hash((n + 2) * 2);
    this.lo = wasm.out[0]!;
    this.hi = wasm.out[1]!;
    return this;
  }

  /** {@link hashString} in 32-bit JavaScript arithmetic. */
  private hashStringJs(s: string, tail: number): this {
    // v0 = k0 ^ "somepseu", v1 = k1 ^ "dorandom", v2 = k0 ^ "lygenera", v3 = k1 ^ "tedbytes".
    let v0h = this.k0h ^ 0x736f6d65;
    let v0l = this.k0l ^ 0x70736575;
    let v1h = this.k1h ^ 0x646f7261;
    let v1l = this.k1l ^ 0x6e646f6d;
    let v2h = this.k0h ^ 0x6c796765;
    let v2l = this.k0l ^ 0x6e657261;
    let v3h = this.k1h ^ 0x74656462;
    let v3l = this.k1l ^ 0x79746573;
    const n = s.length;
    const units = n + 2; // the string's code units, then the tail's two halves
    const bytes = units * 2;
    const blocks = units >> 2;
    let mh = 0;
    let ml = 0;
    let t = 0;
    let u = 0;
    for (let b = 0; b <= blocks; b++) {
      const i = b * 4;
      if (i + 4 <= n) {
        ml = charCodeAt.call(s, i) | (charCodeAt.call(s, i + 1) << 16);
        mh = charCodeAt.call(s, i + 2) | (charCodeAt.call(s, i + 3) << 16);
      } else if (b < blocks) {
        ml = unitAt(s, tail, i) | (unitAt(s, tail, i + 1) << 16);
        mh = unitAt(s, tail, i + 2) | (unitAt(s, tail, i + 3) << 16);
      } else {
        // The last block: the remaining 0–3 units, and the message length's low byte on top.
        const left = units - i;
        ml = left > 0 ? unitAt(s, tail, i) | (left > 1 ? unitAt(s, tail, i + 1) << 16 : 0) : 0;
        mh = (left > 2 ? unitAt(s, tail, i + 2) : 0) | ((bytes & 0xff) << 24);
      }
      v3h ^= mh;
      v3l ^= ml;
      for (let r = 0; r < 2; r++) {
        // One SipRound, 64-bit additions carried by hand, rotations on (hi, lo) pairs.
        t = (v0l + v1l) | 0; v0h = (v0h + v1h + ((t >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0; v0l = t;
        t = (v1h << 13) | (v1l >>> 19); v1l = (v1l << 13) | (v1h >>> 19); v1h = t;
        v1h ^= v0h; v1l ^= v0l;
        t = v0h; v0h = v0l; v0l = t;
        t = (v2l + v3l) | 0; v2h = (v2h + v3h + ((t >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0; v2l = t;
        t = (v3h << 16) | (v3l >>> 16); v3l = (v3l << 16) | (v3h >>> 16); v3h = t;
        v3h ^= v2h; v3l ^= v2l;
        t = (v0l + v3l) | 0; v0h = (v0h + v3h + ((t >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0; v0l = t;
        t = (v3h << 21) | (v3l >>> 11); v3l = (v3l << 21) | (v3h >>> 11); v3h = t;
        v3h ^= v0h; v3l ^= v0l;
        t = (v2l + v1l) | 0; v2h = (v2h + v1h + ((t >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0; v2l = t;
        t = (v1h << 17) | (v1l >>> 15); v1l = (v1l << 17) | (v1h >>> 15); v1h = t;
        v1h ^= v2h; v1l ^= v2l;
        t = v2h; v2h = v2l; v2l = t;
      }
      v0h ^= mh;
      v0l ^= ml;
    }
    v2l ^= 0xff;
    for (let r = 0; r < 4; r++) {
      t = (v0l + v1l) | 0; v0h = (v0h + v1h + ((t >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0; v0l = t;
      t = (v1h << 13) | (v1l >>> 19); v1l = (v1l << 13) | (v1h >>> 19); v1h = t;
      v1h ^= v0h; v1l ^= v0l;
      t = v0h; v0h = v0l; v0l = t;
      t = (v2l + v3l) | 0; v2h = (v2h + v3h + ((t >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0; v2l = t;
      t = (v3h << 16) | (v3l >>> 16); v3l = (v3l << 16) | (v3h >>> 16); v3h = t;
      v3h ^= v2h; v3l ^= v2l;
      t = (v0l + v3l) | 0; v0h = (v0h + v3h + ((t >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0; v0l = t;
      t = (v3h << 21) | (v3l >>> 11); v3l = (v3l << 21) | (v3h >>> 11); v3h = t;
      v3h ^= v0h; v3l ^= v0l;
      t = (v2l + v1l) | 0; v2h = (v2h + v1h + ((t >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0; v2l = t;
      t = (v1h << 17) | (v1l >>> 15); v1l = (v1l << 17) | (v1h >>> 15); v1h = t;
      v1h ^= v2h; v1l ^= v2l;
      t = v2h; v2h = v2l; v2l = t;
    }
    this.hi = v0h ^ v1h ^ v2h ^ v3h;
    this.lo = v0l ^ v1l ^ v2l ^ v3l;
    return this;
  }
}

interface WasmExports {
  hash(bytes: number): void;
  setKey(k0lo: number, k0hi: number, k1lo: number, k1hi: number): void;
  memory: { buffer: ArrayBuffer };
}

/** The part of the WebAssembly API this file uses (Node's types do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (mod: WasmModule) => { exports: unknown };
}
type WasmModule = { readonly __wasmModule: unique symbol };
const Wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Where the message starts in the module's memory (the output takes bytes 0–7). */
const MESSAGE_AT = 16;
/**
 * The longest string the module hashes: its one 64 KiB page holds the output, the message (the
 * string and the tail) and the 8 bytes the last block's load reads past a message's end.
 */
const MAX_WASM_UNITS = (65536 - MESSAGE_AT - 8) / 2 - 2;

let compiled: WasmModule | null | undefined;

/**
 * The module, compiled once per thread; null where typed arrays are big-endian (the module reads
 * the units little-endian) or WebAssembly is missing.
 */
function sipHashModule(): WasmModule | null {
  if (compiled === undefined) {
    compiled = Wasm && endianness() === 'LE' ? new Wasm.Module(Buffer.from(SIPHASH_WASM, 'base64')) : null;
  }
  return compiled;
}

/** The message's i-th 16-bit unit: the string's code units, then the tail's low and high halves. */
function unitAt(s: string, tail: number, i: number): number {
  return i < s.length ? charCodeAt.call(s, i) : i === s.length ? tail & 0xffff : (tail >>> 16) & 0xffff;
}

/**
 * Called directly, not as `s.charCodeAt`: legacy values arrive as flat, sliced and concatenated
 * strings (each its own hidden class), and the method lookup went through V8's megamorphic stub
 * cache at every character.
 */
const charCodeAt = String.prototype.charCodeAt;
