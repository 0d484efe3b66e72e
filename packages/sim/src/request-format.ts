import type { SimFormat } from './completion-plan.js';

/** Result of reading a request's `format`: the format, or Ollama's error text for a bad one. */
export type FormatResult = { ok: true; format: SimFormat | undefined } | { ok: false; error: string };

/**
 * Reads Ollama's `format` the way its runner does: absent, null or "" mean none, "json" is JSON
 * mode, an object is a JSON Schema, anything else is refused with Ollama's own message.
 */
export function readFormat(raw: unknown): FormatResult {
  if (raw === undefined || raw === null || raw === '') return { ok: true, format: undefined };
  if (raw === 'json') return { ok: true, format: 'json' };
  if (typeof raw === 'object' && !Array.isArray(raw)) return { ok: true, format: raw as Record<string, unknown> };
  // Go formats the raw JSON bytes with %q, hence the double encoding.
  return { ok: false, error: `invalid format: ${JSON.stringify(JSON.stringify(raw))}; expected "json" or a valid JSON Schema object` };
}
