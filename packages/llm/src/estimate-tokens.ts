/** Rough characters per token of English text and JSON for the usual BPE tokenizers. */
const CHARS_PER_TOKEN = 4;

/**
 * Token count estimated from characters, for rate limiting before a call and for servers that
 * report no usage. Never used where the server reported real counts.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
