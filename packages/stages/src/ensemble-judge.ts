import { z } from 'zod';
import { hash53, mix32 } from '@synthfarm/core';
import type { DataRecord } from '@synthfarm/codegen';
import type { LlmBackend } from '@synthfarm/llm';
import type { ModelField } from './model-fields.js';
import { describeField, recordFacts, renderInstruction } from './prompt.js';

/** Scores a judge gives a candidate: 1 (breaks the field's instruction or the record's facts) to 10. */
const MIN_SCORE = 1;
const MAX_SCORE = 10;

/** One value an ensemble's judge picks for: the record and the members' distinct valid answers, in member order. */
export interface JudgeItem {
  index: number;
  record: DataRecord;
  candidates: readonly unknown[];
}

/** A judge call's result: a score per candidate of each item, or why there is none; and the call's tokens. */
export interface JudgeScores {
  /** Per item (in order), one score per candidate; undefined when the judge failed or answered invalidly. */
  scores?: number[][];
  /** Why there are no scores. */
  error?: string;
  tokensIn: number;
  tokensOut: number;
}

/**
 * Asks `judge` to score each item's candidate answers for `field` (an ensemble merged by
 * `judge`, DESIGN §8): one structured call whose schema gives every item an array of exactly as
 * many integer scores as it has candidates, so any answer that keeps to the schema is usable.
 * The prompt and seed depend only on the dataset, the field, the records and the candidates:
 * the same answers get the same call, and (with the response cache or a seeded model) the same
 * scores. Never throws: a failed call, a malformed answer or one that breaks the schema gives
 * `error`, and the caller falls back to the first valid answer.
 */
export async function judgeScores(judge: LlmBackend, dataset: string, field: ModelField, items: readonly JudgeItem[], seed: number, signal?: AbortSignal): Promise<JudgeScores> {
  const keys = items.map((_, n) => String(n + 1));
  const scoreList = (k: number) => ({ type: 'array', minItems: k, maxItems: k, items: { type: 'integer', minimum: MIN_SCORE, maximum: MAX_SCORE } });
  const schema = {
    type: 'object',
    properties: { scores: { type: 'object', properties: Object.fromEntries(items.map((it, n) => [keys[n]!, scoreList(it.candidates.length)])), required: keys, additionalProperties: false } },
    required: ['scores'],
    additionalProperties: false,
  };
  const lines = items.map((it, n) => {
    const facts = recordFacts(it.record, [field]);
    const parts = [`${n + 1}.`, Object.keys(facts).length ? `facts ${JSON.stringify(facts)}` : `record #${it.index + 1}`];
    if (field.prompt) parts.push(`instruction: ${renderInstruction(field, it.record)}`);
    parts.push(`candidates: ${it.candidates.map((c, k) => `(${k + 1}) ${JSON.stringify(c)}`).join(' ')}`);
    return parts.join(' | ');
  });
  const check = z.object({ scores: z.object(Object.fromEntries(items.map((it, n) => [keys[n]!, z.array(z.number().int().min(MIN_SCORE).max(MAX_SCORE)).length(it.candidates.length)]))) });
  let res;
  try {
    res = await judge.generate({
      system: [
        `You judge synthetic test data for the dataset "${dataset}". Several models wrote the field "${field.name}" (${describeField(field)}) of each numbered record.`,
        `Score every candidate from ${MIN_SCORE} to ${MAX_SCORE}: high when it follows the field's rules and instruction and agrees with the record's facts, low when it breaks them or reads unlike real data.`,
        `Answer JSON only: {"scores": {"1": [...], ...}} with one array per numbered record, holding one score per candidate in the order given.`,
      ].join('\n'),
      prompt: `Records:\n${lines.join('\n')}`,
      schema,
      maxTokens: items.reduce((n, it) => n + it.candidates.length * 3 + 6, 16) * 2,
      seed: mix32(hash53(`${seed}\u0000${dataset}\u0000judge-merge\u0000${field.name}`) >>> 0, items[0]?.index ?? 0, items.length),
    }, signal ? { signal } : {});
  } catch (err) {
    return { error: `[judge:${judge.name}] ${(err as Error).message}`, tokensIn: 0, tokensOut: 0 };
  }
  const tokens = { tokensIn: res.tokensIn, tokensOut: res.tokensOut };
  if (res.truncated) return { error: `[judge:${judge.name}] answer cut at max tokens`, ...tokens };
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text);
  } catch (err) {
    return { error: `[judge:${judge.name}] malformed JSON: ${(err as Error).message}`, ...tokens };
  }
  const ok = check.safeParse(parsed);
  if (!ok.success) {
    const i = ok.error.issues[0];
    return { error: `[judge:${judge.name}] invalid answer: ${i ? `${i.path.join('.') || 'answer'}: ${i.message}` : 'does not match its schema'}`, ...tokens };
  }
  return { scores: keys.map((k) => ok.data.scores[k]!), ...tokens };
}
