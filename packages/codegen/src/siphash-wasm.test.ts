import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SIPHASH_WASM } from './siphash-wasm.js';
// @ts-expect-error: a plain .mjs script, no declarations
import { assemble } from '../scripts/siphash-wasm.mjs';

describe('siphash-wasm.ts', () => {
  it('holds the module siphash.wat assembles to (run packages/codegen/scripts/siphash-wasm.mjs after editing it)', async () => {
    const text = await readFile(new URL('./siphash.wat', import.meta.url), 'utf8');
    const bytes = (await assemble(text)) as Buffer;
    expect(Buffer.from(SIPHASH_WASM, 'base64').equals(bytes)).toBe(true);
  });
});
