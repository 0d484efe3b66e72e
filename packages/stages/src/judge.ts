import { z } from 'zod';
import { hash53, mix32 } from '@synthfarm/core';
import type { DataRecord } from '@synthfarm/codegen';
import type { LlmBackend } from '@synthfarm/llm';

const VerdictsSchema = z.object({ verdicts: z.array(z.object({ ok: z.boolean(), problem: z.string() })) });

/** The judge's verdict on each sampled record, in order. */
export type JudgeVerdicts = Array<{ ok: boolean; problem: string }>;

/** Tokens of a judge's call (0 when it made none that answered), for its cost. */
export interface JudgeTokens {
  tokensIn: number;
  tokensOut: number;
}

/**
 * Asks `judge` whether each record's model-written `fields` agree with the record's other fields
 * (the audit of the spot-check stage, and cascade's judge trigger). Undefined when the judge
 * could not answer (the caller counts an audit error; a cascade does not escalate on it).
 * `tokens`, when given, has the call's tokens added (what the judging cost).
 */
export async function judgeVerdicts(judge: LlmBackend, dataset: string, fields: string[], sample: Array<{ index: number; record: DataRecord }>, seed: number, signal?: AbortSignal, seedIndex = sample[0]!.index, tokens?: JudgeTokens): Promise<JudgeVerdicts | undefined> {
  const lines = sample.map((s, n) => `${n + 1}. ${JSON.stringify(s.record)}`);
  const schema = {
    type: 'object',
    properties: { verdicts: { type: 'array', minItems: sample.length, maxItems: sample.length, items: { type: 'object', properties: { ok: { type: 'boolean' }, problem: { type: 'string', maxLength: 200 } }, required: ['ok', 'problem'], additionalProperties: false } } },
    required: ['verdicts'], additionalProperties: false,
  };
  try {
    const res = await judge.generate({
      system: `You audit synthetic test data for the dataset "${dataset}". For each numbered record, answer ok=false when its model-written fields (${fields.join(', ')}) contradict the record's other fields, are not realistic, or are not in English; then name the problem in a few words. Answer JSON {"verdicts": [...]} with exactly ${sample.length} items in order.`,
      prompt: lines.join('\n'),
      schema,
      seed: mix32(hash53(`${seed}\u0000${dataset}\u0000audit`) >>> 0, seedIndex),
    }, signal ? { signal } : {});
    if (tokens) {
      tokens.tokensIn += res.tokensIn;
      tokens.tokensOut += res.tokensOut;
    }
    const parsed = VerdictsSchema.safeParse(JSON.parse(res.text));
    return parsed.success && parsed.data.verdicts.length === sample.length ? parsed.data.verdicts : undefined;
  } catch {
    return undefined;
  }
}

/** Defective records among `sample` by the judge, or undefined when it could not answer. */
export async function judgeRecords(judge: LlmBackend, dataset: string, fields: string[], sample: Array<{ index: number; record: DataRecord }>, seed: number, signal?: AbortSignal, tokens?: JudgeTokens): Promise<number | undefined> {
  const v = await judgeVerdicts(judge, dataset, fields, sample, seed, signal, sample[0]!.index, tokens);
  return v?.filter((x) => !x.ok).length;
}
