import type { Rng } from './rng.js';

/** How a malformed answer is broken; each is a failure real models produce under load. */
export type MalformMode = 'truncate' | 'prose' | 'trailing-comma';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Breaks an answer so `JSON.parse` fails on it while it still looks almost right: cut off
 * mid-value, wrapped in a chatty sentence, or given a trailing comma. Used for the `malformedRate`
 * fault, where done_reason stays "stop" — the hard case clients must detect by parsing.
 */
export function malformAnswer(text: string, rng: Rng): { text: string; mode: MalformMode } {
  const mode = rng.pick<MalformMode>(['truncate', 'prose', 'trailing-comma']);
  let out: string;
  if (mode === 'prose') {
    out = `Sure! Here is the JSON you asked for:\n${text}`;
  } else if (mode === 'trailing-comma' && /[}\]]\s*$/.test(text)) {
    out = text.replace(/([}\]])\s*$/, ',$1');
  } else {
    const cut = Math.max(1, Math.floor(text.length * (0.3 + rng.next() * 0.6)));
    out = text.slice(0, Math.min(cut, Math.max(1, text.length - 1)));
  }
  // A cut scalar ("12" from "123") can still parse; an unmatched quote guarantees it does not.
  if (out.length === 0 || parses(out)) out = `${out}"`;
  return { text: out, mode };
}
