import { z } from 'zod';
import { InvalidModelOutput, SynthfarmError, hash53, mix32, type Logger } from '@synthfarm/core';
import type { DataRecord } from '@synthfarm/codegen';
import type { LlmBackend } from '@synthfarm/llm';
import { batchJsonSchema, recordCheck, type ModelField } from './model-fields.js';
import { buildPrompt, type PromptItem } from './prompt.js';

/** Why a record could not be written; goes to rejects.jsonl. */
export interface WriteFailure {
  reason: 'invalid_model_output' | 'truncated' | 'backend_failed';
  error: string;
  attempts: number;
}

export interface WriteOutcome {
  /** Model-written values by record index. */
  values: Map<number, Record<string, unknown>>;
  failures: Map<number, WriteFailure>;
  /** Backends that wrote something, with why they were used. */
  decisions: Array<{ backend: string; reason: string; records: number }>;
  /** Per backend: records asked (first answers and repairs), records whose answer passed, and their tokens. */
  tally: Map<string, { asked: number; passed: number; accepted: number; escalated: number; tokensIn: number; tokensOut: number }>;
}

/** One record's result of one call: its values, or why not; the raw answer; its share of the call's tokens. */
export interface AttemptResult {
  item: PromptItem;
  value?: Record<string, unknown>;
  failure?: WriteFailure;
  /** The record's object in the answer as the model wrote it (a field-by-field check reads it). */
  raw?: unknown;
  /** This record's share of the call's tokens. */
  tokensIn: number;
  tokensOut: number;
}

export interface ModelWriterOptions {
  dataset: string;
  fields: ModelField[];
  /** The backend, then its fallbacks in order. */
  chain: LlmBackend[];
  /** Repair rounds per backend for records whose answer failed validation. */
  repairAttempts: number;
  /** Records per model call. */
  recordsPerCall: number;
  seed: number;
  log?: Logger;
}

/**
 * Writes the model fields of records: one structured call per `recordsPerCall` records, then
 * validate → repair (the invalid ones, with their errors) → escalate to the next backend →
 * give up with a reason. A truncated answer, or one to a prompt the server cut to its context
 * window, splits its call in two. Never throws for a record:
 * every record ends in `values` or `failures`.
 */
export class ModelWriter {
  private readonly check: z.ZodType<Record<string, unknown>>;
  private readonly perRecordTokens: number;
  private readonly seedKey: number;

  constructor(private readonly opts: ModelWriterOptions) {
    this.check = recordCheck(opts.fields);
    this.perRecordTokens = opts.fields.reduce((n, f) => n + f.tokens + 4, 4);
    this.seedKey = hash53(`${opts.seed}\u0000${opts.dataset}\u0000${opts.fields.map((f) => f.name).join(',')}`) >>> 0;
  }

  async write(records: Array<{ index: number; record: DataRecord }>, signal?: AbortSignal): Promise<WriteOutcome> {
    const out: WriteOutcome = { values: new Map(), failures: new Map(), decisions: [], tally: new Map() };
    let pending: PromptItem[] = records.map((r) => ({ ...r }));
    const attempts = new Map<number, number>();
    const last = new Map<number, WriteFailure>();
    for (let b = 0; b < this.opts.chain.length && pending.length; b++) {
      const backend = this.opts.chain[b]!;
      const before = pending.length;
      // Records that a repair round on this backend cannot help; they go on to the next backend.
      const carry: PromptItem[] = [];
      for (let round = 0; round <= this.opts.repairAttempts && pending.length; round++) {
        if (signal?.aborted) break;
        const failed: PromptItem[] = [];
        const chunks = chunk(pending, this.opts.recordsPerCall);
        const results = await Promise.all(chunks.map((c) => this.call(backend, c, round, signal)));
        let backendDown = false;
        const t = out.tally.get(backend.name) ?? { asked: 0, passed: 0, accepted: 0, escalated: 0, tokensIn: 0, tokensOut: 0 };
        out.tally.set(backend.name, t);
        results.flat().forEach(({ item, value, failure, tokensIn, tokensOut }) => {
          attempts.set(item.index, (attempts.get(item.index) ?? 0) + 1);
          t.asked++;
          t.tokensIn += tokensIn;
          t.tokensOut += tokensOut;
          if (value) t.passed++;
          if (value) out.values.set(item.index, value);
          else {
            last.set(item.index, failure!);
            if (failure!.reason === 'backend_failed') backendDown = true;
            const again = { index: item.index, record: item.record, errors: [failure!.error] };
            // A single record cut at max tokens will be cut again: no repair round on this backend.
            if (failure!.reason === 'truncated') carry.push(again);
            else failed.push(again);
          }
        });
        pending = failed;
        // A backend that failed after its own retries will not do better on a repair round.
        if (backendDown) break;
      }
      pending.push(...carry);
      const wrote = before - pending.length;
      const t = out.tally.get(backend.name);
      if (t) {
        t.accepted += wrote;
        if (b + 1 < this.opts.chain.length) t.escalated += pending.length;
      }
      if (wrote > 0) out.decisions.push({ backend: backend.name, records: wrote, reason: b === 0 ? 'generate backend' : `fallback: ${this.opts.chain[b - 1]!.name} could not write ${before} records` });
    }
    for (const it of pending) {
      const f = last.get(it.index) ?? { reason: 'backend_failed', error: 'not attempted (aborted)', attempts: 0 };
      out.failures.set(it.index, { ...f, attempts: attempts.get(it.index) ?? 0 });
    }
    return out;
  }

  /**
   * One attempt at some records on one backend, `recordsPerCall` per call, in parallel: what a
   * routed stage drives round by round (it repairs and escalates field by field itself).
   * @param round 0 for a first answer; a repair round's prompt says so and carries each item's errors.
   */
  async attempt(backend: LlmBackend, items: PromptItem[], round: number, signal?: AbortSignal): Promise<AttemptResult[]> {
    const results = await Promise.all(chunk(items, this.opts.recordsPerCall).map((c) => this.call(backend, c, round, signal)));
    return results.flat();
  }

  /** One call for some records; splits on truncation. Resolves per record, never rejects. */
  private async call(backend: LlmBackend, items: PromptItem[], round: number, signal?: AbortSignal): Promise<AttemptResult[]> {
    const { system, prompt } = buildPrompt(this.opts.dataset, this.opts.fields, items, round > 0 ? 'repair' : 'write');
    const maxTokens = backend.requestDefaults?.maxTokens ?? this.perRecordTokens * items.length * 2 + 64;
    let res;
    try {
      res = await backend.generate(
        { system, prompt, schema: batchJsonSchema(this.opts.fields, items.length), maxTokens, seed: mix32(this.seedKey, items[0]!.index, items.length, round) },
        signal ? { signal } : {},
      );
    } catch (err) {
      // Any backend answer that is an error (unreachable, out of retries, a 4xx such as a context
      // length exceeded) fails these records on this backend; the fallback chain may still write them.
      if (err instanceof SynthfarmError || (err as Error).name === 'AbortError') {
        return items.map((item) => ({ item, failure: { reason: 'backend_failed', error: (err as Error).message, attempts: 0 }, tokensIn: 0, tokensOut: 0 }));
      }
      throw err;
    }
    const tokensIn = res.tokensIn / items.length;
    const tokensOut = res.tokensOut / items.length;
    if (res.promptCut) {
      // The server cut the prompt to its context window: the answer was written without part of
      // its instructions. Half the records make half the prompt; one record that does not fit fails.
      if (items.length > 1) {
        const mid = Math.ceil(items.length / 2);
        const [a, b] = await Promise.all([this.call(backend, items.slice(0, mid), round, signal), this.call(backend, items.slice(mid), round, signal)]);
        return [...a, ...b];
      }
      const { numCtx, evaluated, sent } = res.promptCut;
      return items.map((item) => ({ item, failure: { reason: 'truncated', error: `prompt cut by the model's context window: ${evaluated} of ~${sent} tokens evaluated at num_ctx ${numCtx}; raise the backend's numCtx`, attempts: 0 }, tokensIn, tokensOut }));
    }
    if (res.truncated) {
      if (items.length > 1) {
        const mid = Math.ceil(items.length / 2);
        const [a, b] = await Promise.all([this.call(backend, items.slice(0, mid), round, signal), this.call(backend, items.slice(mid), round, signal)]);
        return [...a, ...b];
      }
      return items.map((item) => ({ item, failure: { reason: 'truncated', error: `answer cut at max tokens (${maxTokens})`, attempts: 0 }, tokensIn, tokensOut }));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch (err) {
      const why = new InvalidModelOutput(`[backend:${backend.name}] malformed JSON: ${(err as Error).message}`);
      return items.map((item) => ({ item, failure: { reason: 'invalid_model_output', error: why.message, attempts: 0 }, tokensIn, tokensOut }));
    }
    const list = parsed && typeof parsed === 'object' && Array.isArray((parsed as { records?: unknown }).records) ? (parsed as { records: unknown[] }).records : undefined;
    return items.map((item, k) => {
      const candidate = list?.[k];
      if (candidate === undefined) return { item, failure: { reason: 'invalid_model_output' as const, error: list ? `record ${k + 1} missing from the answer (${list.length} of ${items.length})` : 'answer has no records array', attempts: 0 }, tokensIn, tokensOut };
      const ok = this.check.safeParse(candidate);
      if (ok.success) return { item, value: ok.data, raw: candidate, tokensIn, tokensOut };
      const issues = ok.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'record'}: ${i.message}`);
      return { item, failure: { reason: 'invalid_model_output' as const, error: issues.join('; '), attempts: 0 }, raw: candidate, tokensIn, tokensOut };
    });
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
