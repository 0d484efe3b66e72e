import { describe, expect, it } from 'vitest';
import { SipHash24 } from './siphash.js';

// SipHash-2-4 of the bytes 00 01 02 ... (n-1) under the key 00 01 ... 0f, as OpenSSL 3 computes it
// (`openssl mac -macopt hexkey:000102030405060708090a0b0c0d0e0f -macopt size:8 SIPHASH`): the
// output's bytes in order. The first ones are the reference paper's vectors.
const VECTORS: Array<[number, string]> = [
  [4, 'b7877127e09427cf'], [6, 'cee3fe586e46c9cb'], [8, '6224939a79f5f593'], [10, 'f3b9dd94c5bb5d7a'],
  [12, 'fbe50e86bc8f1e75'], [14, 'eef27a8e90ca23f7'], [16, 'db9bc2577fcc2a3f'], [18, '9cd38d96f0b3c14b'],
  [20, '98eea21af25cd6be'], [22, '883ea3e395675393'], [24, '94af49f6c650adb8'], [26, 'f315bb5bb835d817'],
  [28, 'a5c91da7acaa4dde'], [30, '28ef495c53a387ad'], [32, 'ce7cf2722f512771'], [34, '381205bb1ab0e012'],
  [36, 'b4a31508beff4d31'], [38, '4d0cf49ee5d4dcca'], [40, 'd0a704536ba93e0e'], [42, 'a915c29bc8067318'],
  [44, 'f21df2e41d4535f9'], [46, '10a56cf5dfcd9adb'], [48, '51a9cb9ecba312e6'], [50, '72fe52975a4364ee'],
  [52, 'b274cb8ebf87870a'], [54, 'eaecb2a30b22a87f'], [56, 'bd838d3aafbf8db7'], [58, '135079a3231ce660'],
  [60, 'e1915f5cb1eca46c'], [62, '575ff28e60381be5'], [300, '397811b60d710b4b'],
];

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);

/** The hasher's message for bytes 0..n-1: all but the last 4 as UTF-16LE code units, those 4 as the tail. */
function message(n: number): [string, number] {
  const b = Array.from({ length: n }, (_, i) => i & 0xff);
  let s = '';
  for (let i = 0; i < n - 4; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8));
  const tail = (b[n - 4]! | (b[n - 3]! << 8) | (b[n - 2]! << 16) | (b[n - 1]! << 24)) >>> 0;
  return [s, tail];
}

/** The output's bytes in order (little-endian), as hex. */
function hex(h: SipHash24): string {
  const out = Buffer.alloc(8);
  out.writeInt32LE(h.lo, 0);
  out.writeInt32LE(h.hi, 4);
  return out.toString('hex');
}

describe('SipHash24', () => {
  it.each(VECTORS)('matches the reference output for a %d-byte message', (n, want) => {
    const [s, tail] = message(n);
    expect(hex(new SipHash24(KEY).hashString(s, tail))).toBe(want);
    expect(hex(new SipHash24(KEY, 'js').hashString(s, tail))).toBe(want);
  });

  it('gives the same outputs in WebAssembly and in JavaScript, for every length and for strings past the module\'s memory', () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
    const wasm = new SipHash24(key);
    const js = new SipHash24(key, 'js');
    let seed = 1;
    const unit = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) & 0xffff;
    const lengths = [...Array.from({ length: 70 }, (_, i) => i), 1000, 32_753, 32_754, 32_755, 40_000];
    for (const n of lengths) {
      const s = String.fromCharCode(...Array.from({ length: n }, unit));
      const tail = unit() | (unit() << 16);
      // Interleaved: a long string between two short ones leaves nothing behind in the module's memory.
      expect(hex(wasm.hashString(s, tail)), `length ${n}`).toBe(hex(js.hashString(s, tail)));
      expect(hex(wasm.hashString('Ana', 7))).toBe(hex(js.hashString('Ana', 7)));
    }
  });

  it('gives other outputs under another key, for another tail and for another string', () => {
    const h = new SipHash24(KEY);
    const base = hex(h.hashString('Ana Müller', 0));
    expect(hex(h.hashString('Ana Müller', 0))).toBe(base);
    expect(hex(h.hashString('Ana Müller', 1))).not.toBe(base);
    expect(hex(h.hashString('Ana Muller', 0))).not.toBe(base);
    const other = Uint8Array.from(KEY, (b, i) => (i === 15 ? b ^ 1 : b));
    expect(hex(new SipHash24(other).hashString('Ana Müller', 0))).not.toBe(base);
  });

  it('refuses a key that is not 16 bytes', () => {
    expect(() => new SipHash24(new Uint8Array(32))).toThrow('SipHash-2-4 needs a 16-byte key, got 32');
  });
});
