import { describe, expect, it } from 'vitest';
import { BackendUnavailable, RetryableBackendError } from '@synthfarm/core';
import type { BackendStats, LlmBackend, LlmRequest, LlmResponse } from '@synthfarm/llm';
import { LlmField } from '@synthfarm/spec';
import { llmField } from './model-fields.js';
import { ModelWriter, type WriteOutcome } from './model-writer.js';

const fields = [
  llmField('bio', LlmField.parse({ kind: 'llm', prompt: 'About {{name}}', maxLength: 30 })),
  llmField('mood', LlmField.parse({ kind: 'llm', prompt: 'a mood', values: ['happy', 'sad'] })),
];

/** What a scripted call answers: answer text, a cut answer, or a thrown error. */
type Reply = string | { truncated: true } | Error;
type Script = (req: LlmRequest, n: number, call: number) => Reply;

interface FakeBackend extends LlmBackend {
  requests: LlmRequest[];
}

/** Records a call asks for, read from its schema (exactly n items). */
function askedFor(req: LlmRequest): number {
  return ((req.schema as { properties: { records: { minItems: number } } }).properties.records.minItems);
}

/** Names of the records a prompt asks for (one per line after the heading). */
function namesIn(req: LlmRequest): string[] {
  return req.prompt.split('\n').slice(1).map((l) => /"name":"([^"]+)"/.exec(l)?.[1] ?? '?');
}

const valid = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ records: Array.from({ length: n }, (_, k) => ({ bio: `bio ${k}`, mood: k % 2 ? 'sad' : 'happy', ...extra })) });

function fake(name: string, script: Script, requestDefaults?: { maxTokens?: number }): FakeBackend {
  const requests: LlmRequest[] = [];
  const stats: BackendStats = { calls: 0, failures: 0, retries: 0, cacheHits: 0, tokensIn: 0, tokensOut: 0, cost: 0, latencyMs: { p50: 0, p95: 0 }, hosts: {} };
  return {
    name, provider: 'ollama', model: 'm', requests,
    ...(requestDefaults ? { requestDefaults } : {}),
    check: async () => {},
    async generate(req): Promise<LlmResponse> {
      requests.push(req);
      const r = script(req, askedFor(req), requests.length);
      if (r instanceof Error) throw r;
      const base = { tokensIn: 1, tokensOut: 1, latencyMs: 1, host: 'h', cached: false };
      return typeof r === 'string' ? { ...base, text: r, truncated: false } : { ...base, text: '{"records": [{"bio": "cu', truncated: true };
    },
    stats: () => stats,
    close: async () => {},
  };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ index: 100 + i, record: { name: `r${i}`, bio: null, mood: null } }));

function writer(chain: LlmBackend[], opts: { repairAttempts?: number; recordsPerCall?: number } = {}) {
  return new ModelWriter({ dataset: 'people', fields, chain, repairAttempts: opts.repairAttempts ?? 2, recordsPerCall: opts.recordsPerCall ?? 10, seed: 1 });
}

/** Every record ends in exactly one of values or failures. */
function expectPartition(out: WriteOutcome, n: number): void {
  const all = [...out.values.keys(), ...out.failures.keys()].sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: n }, (_, i) => 100 + i));
}

describe('ModelWriter', () => {
  it('writes N records per call and keeps only the model fields of each answer', async () => {
    const b = fake('fast', (_r, n) => valid(n, { name: 'overwritten?', id: 999 }));
    const out = await writer([b]).write(items(25));
    expect(b.requests.map(askedFor)).toEqual([10, 10, 5]);
    expect(out.failures.size).toBe(0);
    expect(out.values.size).toBe(25);
    expect(out.values.get(100)).toEqual({ bio: 'bio 0', mood: 'happy' });
    expect(out.decisions).toEqual([{ backend: 'fast', reason: 'generate backend', records: 25 }]);
  });

  const table: Array<{
    name: string;
    script: Script;
    n: number;
    repairAttempts?: number;
    /** Records asked per call, in call order (the second number on is a repair or a split). */
    calls: number[];
    written: number;
    failure?: { reason: string; error: RegExp; attempts: number };
    /** A later call's prompt must contain this (the repair carries the error). */
    repairSays?: RegExp;
  }> = [
    {
      name: 'malformed JSON → a repair call that quotes the parse error, then written',
      script: (_r, n, call) => (call === 1 ? '{"records": [{"bio": "x", ' : valid(n)),
      n: 3, calls: [3, 3], written: 3,
      repairSays: /previous answer was invalid: \[backend:fast\] malformed JSON: /,
    },
    {
      name: 'one invalid value → only that record is asked again, with its error',
      script: (_r, n, call) => (call === 1 ? JSON.stringify({ records: [{ bio: 'a', mood: 'happy' }, { bio: 'b', mood: 'meh' }, { bio: 'c', mood: 'sad' }] }) : valid(n)),
      n: 3, calls: [3, 1], written: 3,
      repairSays: /r1.*previous answer was invalid: mood: /,
    },
    {
      name: 'a value over maxLength → repaired',
      script: (_r, n, call) => (call === 1 ? valid(n, { bio: 'x'.repeat(31) }) : valid(n)),
      n: 2, calls: [2, 2], written: 2,
      repairSays: /bio: Too big/,
    },
    {
      name: 'missing records → the missing ones are asked again, named as missing',
      script: (_r, n, call) => (call === 1 ? valid(n - 1) : valid(n)),
      n: 3, calls: [3, 1], written: 3,
      repairSays: /record 3 missing from the answer \(2 of 3\)/,
    },
    {
      name: 'no records array → repaired',
      script: (_r, n, call) => (call === 1 ? '{"items": []}' : valid(n)),
      n: 2, calls: [2, 2], written: 2,
      repairSays: /answer has no records array/,
    },
    {
      name: 'truncated → the call is split in halves until answers fit',
      script: (_r, n) => (n > 2 ? { truncated: true } : valid(n)),
      n: 5, calls: [5, 3, 2, 2, 1], written: 5,
    },
    {
      name: 'truncated even for one record → rejected truncated, with no repair round (the same cap would cut it again)',
      script: () => ({ truncated: true }),
      n: 1, repairAttempts: 1, calls: [1], written: 0,
      failure: { reason: 'truncated', error: /^answer cut at max tokens \(\d+\)$/, attempts: 1 },
    },
    {
      name: 'always invalid → rejected invalid_model_output after 1 + repairAttempts calls',
      script: (_r, n) => valid(n, { mood: 'meh' }),
      n: 2, repairAttempts: 2, calls: [2, 2, 2], written: 0,
      failure: { reason: 'invalid_model_output', error: /^mood: /, attempts: 3 },
    },
    {
      name: 'a backend error is not repaired (its retries already ran) → rejected backend_failed',
      script: () => new RetryableBackendError('[backend:fast h] 500 runner died'),
      n: 2, calls: [2], written: 0,
      failure: { reason: 'backend_failed', error: /^\[backend:fast h\] 500 runner died$/, attempts: 1 },
    },
    {
      name: 'no host left → rejected backend_failed',
      script: () => new BackendUnavailable('[backend:fast] no usable host'),
      n: 2, calls: [2], written: 0,
      failure: { reason: 'backend_failed', error: /no usable host/, attempts: 1 },
    },
  ];

  it.each(table)('$name', async ({ script, n, repairAttempts, calls, written, failure, repairSays }) => {
    const b = fake('fast', script);
    const out = await writer([b], { repairAttempts: repairAttempts ?? 2 }).write(items(n));
    expectPartition(out, n);
    expect(b.requests.map(askedFor)).toEqual(calls);
    expect(out.values.size).toBe(written);
    for (const v of out.values.values()) expect(Object.keys(v).sort()).toEqual(['bio', 'mood']);
    if (failure) {
      for (const f of out.failures.values()) {
        expect(f.reason).toBe(failure.reason);
        expect(f.error).toMatch(failure.error);
        expect(f.attempts).toBe(failure.attempts);
      }
    }
    if (repairSays) {
      const later = b.requests.slice(1).map((r) => r.prompt).join('\n');
      expect(later).toMatch(repairSays);
      expect(b.requests[1]!.prompt.split('\n')[0]).toMatch(/failed validation/);
      expect(b.requests[0]!.prompt).not.toMatch(/previous answer/);
    }
  });

  it('a split keeps record order: each half asks for its own records', async () => {
    const b = fake('fast', (_r, n) => (n > 2 ? { truncated: true } : valid(n)));
    await writer([b]).write(items(4));
    expect(b.requests.map(namesIn)).toEqual([['r0', 'r1', 'r2', 'r3'], ['r0', 'r1'], ['r2', 'r3']]);
  });

  it('a failing backend escalates to the fallback, which writes the records, and the decision says why', async () => {
    const fast = fake('fast', () => new RetryableBackendError('[backend:fast h] 503 server busy'));
    const quality = fake('quality', (_r, n) => valid(n));
    const out = await writer([fast, quality]).write(items(3));
    expect(fast.requests).toHaveLength(1);
    expect(quality.requests).toHaveLength(1);
    expect(out.failures.size).toBe(0);
    expect(out.values.size).toBe(3);
    expect(out.decisions).toEqual([{ backend: 'quality', reason: 'fallback: fast could not write 3 records', records: 3 }]);
  });

  it('invalid records escalate after the repairs; the fallback gets only those', async () => {
    const fast = fake('fast', (r, n) => JSON.stringify({ records: namesIn(r).map((name) => ({ bio: 'b', mood: name === 'r1' ? 'meh' : 'sad' })).slice(0, n) }));
    const quality = fake('quality', (_r, n) => valid(n));
    const out = await writer([fast, quality], { repairAttempts: 1 }).write(items(4));
    expect(fast.requests.map(askedFor)).toEqual([4, 1]);
    expect(quality.requests.map(namesIn)).toEqual([['r1']]);
    expect(out.values.size).toBe(4);
    expect(out.decisions).toEqual([
      { backend: 'fast', reason: 'generate backend', records: 3 },
      { backend: 'quality', reason: 'fallback: fast could not write 1 records', records: 1 },
    ]);
  });

  it('when every backend of the chain fails, the last error is kept and attempts add up', async () => {
    const fast = fake('fast', (_r, n) => valid(n, { mood: 'meh' }));
    const quality = fake('quality', () => '{"records": [');
    const out = await writer([fast, quality], { repairAttempts: 1 }).write(items(2));
    expect(out.values.size).toBe(0);
    for (const f of out.failures.values()) {
      expect(f).toMatchObject({ reason: 'invalid_model_output', attempts: 4 });
      expect(f.error).toMatch(/^\[backend:quality\] malformed JSON/);
    }
    expect(out.decisions).toEqual([]);
  });

  it('asks with the same seed for the same records (repeatable, cacheable) and a new one for a repair', async () => {
    const run = async () => {
      const b = fake('fast', (_r, n, call) => (call === 1 ? valid(n, { mood: 'meh' }) : valid(n)));
      await writer([b]).write(items(3));
      return b.requests;
    };
    const [a, b] = [await run(), await run()];
    expect(a.map((r) => [r.seed, r.system, r.prompt])).toEqual(b.map((r) => [r.seed, r.system, r.prompt]));
    expect(a[1]!.seed).not.toBe(a[0]!.seed);
  });

  it('caps output tokens by the backend maxTokens, else by a budget that grows with the records asked', async () => {
    const capped = fake('fast', (_r, n) => valid(n), { maxTokens: 777 });
    await writer([capped]).write(items(3));
    expect(capped.requests[0]!.maxTokens).toBe(777);
    const free = fake('fast', (_r, n) => valid(n));
    await writer([free], { recordsPerCall: 10 }).write(items(12));
    const [ten, two] = free.requests.map((r) => r.maxTokens!);
    expect(ten).toBeGreaterThan(two!);
  });

  it('an aborted run calls nothing and rejects every record as not attempted', async () => {
    const b = fake('fast', (_r, n) => valid(n));
    const ctl = new AbortController();
    ctl.abort();
    const out = await writer([b]).write(items(3), ctl.signal);
    expect(b.requests).toHaveLength(0);
    expectPartition(out, 3);
    for (const f of out.failures.values()) expect(f).toEqual({ reason: 'backend_failed', error: 'not attempted (aborted)', attempts: 0 });
  });
});
