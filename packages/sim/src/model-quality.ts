import { z } from 'zod';
import { createRng } from './rng.js';

/**
 * How well one simulated model keeps to a structured answer's rules (`synthfarm sim --quality`).
 * Rolled per record and field from the answer's own seed: the same request gets the same breaks.
 */
export const ModelQualitySchema = z
  .object({
    hardBreakRate: z.number().min(0).max(1).default(0).describe('Fraction (0..1) of hard fields whose value breaks the field\'s constraints. Hard: free text with maxLength >= 50, or an enum whose instruction depends on the record (named on each record\'s line). Default 0.'),
    easyBreakRate: z.number().min(0).max(1).default(0).describe('Fraction (0..1) of every other field (short enums, numbers, booleans, short text) whose value breaks its constraints. Default 0.'),
    truncateRate: z.number().min(0).max(1).default(0).describe('Fraction (0..1) of answers cut halfway with done_reason "length". Default 0.'),
    tokensPerSecond: z.number().positive().optional().describe('Output tokens per second per slot for this model; default the host\'s --tps.'),
  })
  .strict();
export type ModelQuality = z.infer<typeof ModelQualitySchema>;

type Schema = Record<string, unknown>;

/**
 * Breaks some values of a batched answer `{records: [...]}` as `q` says: text past its
 * maxLength, an enum value outside the enum, a number outside its bounds, a boolean as a string.
 * `prompt` is the request's user text, where per-record instructions appear as `| field: ...`.
 * @returns how many values it broke.
 */
export function breakValues(answer: unknown, format: Schema, prompt: string, q: ModelQuality, seed: number[]): number {
  if (!q.hardBreakRate && !q.easyBreakRate) return 0;
  const items = ((format.properties as Schema | undefined)?.records as Schema | undefined)?.items as Schema | undefined;
  const props = (items?.properties ?? {}) as Record<string, Schema>;
  const records = (answer as { records?: unknown[] } | null)?.records;
  if (!Array.isArray(records)) return 0;
  const rng = createRng(seed[0] ?? 0, ...seed.slice(1), 0x9a11);
  let broke = 0;
  records.forEach((rec) => {
    if (!rec || typeof rec !== 'object') return;
    const r = rec as Record<string, unknown>;
    for (const [name, s] of Object.entries(props)) {
      const roll = rng.next();
      if (!(name in r) || roll >= (isHard(name, s, prompt) ? q.hardBreakRate : q.easyBreakRate)) continue;
      r[name] = broken(s);
      broke++;
    }
  });
  return broke;
}

function isHard(name: string, s: Schema, prompt: string): boolean {
  if (Array.isArray(s.enum)) return prompt.includes(`| ${name}: `);
  return s.type === 'string' && typeof s.maxLength === 'number' && s.maxLength >= 50;
}

function broken(s: Schema): unknown {
  if (Array.isArray(s.enum)) return `not-${String(s.enum[0])}`;
  if (s.type === 'string') {
    const max = typeof s.maxLength === 'number' ? s.maxLength : 400;
    return 'an answer that runs on well past the length it was given '.repeat(Math.ceil((max + 20) / 58)).slice(0, max + 20);
  }
  if (s.type === 'integer' || s.type === 'number') return typeof s.maximum === 'number' ? s.maximum + 1 : typeof s.minimum === 'number' ? s.minimum - 1 : 'n/a';
  if (s.type === 'boolean') return 'yes';
  return null;
}
