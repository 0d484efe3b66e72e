/**
 * Token accounting of the sim. A real tokenizer is model-specific and heavy; four characters per
 * token is the usual rule of thumb for English and JSON, and it keeps prompt and output counts,
 * truncation and durations consistent with each other.
 */

/** Characters per simulated token. */
export const CHARS_PER_TOKEN = 4;

/** Approximate token count of a text: ceil(chars / 4). */
export function countTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** The first `maxTokens` tokens of a text (cuts mid-word and mid-JSON, as a real limit does). */
export function truncateToTokens(text: string, maxTokens: number): string {
  return text.slice(0, Math.max(0, maxTokens) * CHARS_PER_TOKEN);
}
