import { describe, expect, it } from 'vitest';
import type { BackendStats, LlmBackend, LlmRequest, LlmResponse } from '@synthfarm/llm';
import type { StepRoute } from '@synthfarm/routing';
import { LlmField, parseSpecText } from '@synthfarm/spec';
import { llmField } from './model-fields.js';
import { RoutedWriter } from './routed-writer.js';

const fields = [
  llmField('bio', LlmField.parse({ kind: 'llm', prompt: 'About {{name}}', maxLength: 30 })),
  llmField('mood', LlmField.parse({ kind: 'llm', prompt: 'a mood', values: ['happy', 'sad'] })),
];

/** A backend that answers every record validly (its own text) after `delayMs`; a judge answer when asked for scores. */
function fake(name: string, delayMs: number): LlmBackend {
  const stats: BackendStats = { calls: 0, failures: 0, retries: 0, cacheHits: 0, tokensIn: 0, tokensOut: 0, cost: 0, latencyMs: { p50: 0, p95: 0 }, hosts: {} };
  return {
    name, provider: 'ollama', model: name,
    check: async () => {},
    async generate(req: LlmRequest): Promise<LlmResponse> {
      await new Promise((r) => setTimeout(r, delayMs));
      const props = (req.schema as { properties: Record<string, { minItems?: number; properties?: Record<string, { minItems: number }> }> }).properties;
      const text = props.records
        ? JSON.stringify({ records: Array.from({ length: props.records.minItems! }, (_, k) => ({ bio: `${name} ${k}`, mood: k % 2 ? 'sad' : 'happy' })) })
        : props.verdicts
          ? JSON.stringify({ verdicts: Array.from({ length: props.verdicts.minItems! }, () => ({ ok: false, problem: 'off' })) })
          : JSON.stringify({ scores: Object.fromEntries(Object.entries(props.scores!.properties!).map(([key, s]) => [key, Array.from({ length: s.minItems }, (_, c) => (c === 1 ? 9 : 5))])) });
      return { text, truncated: false, tokensIn: 10, tokensOut: 5, latencyMs: delayMs, host: 'h', cached: false };
    },
    stats: () => stats,
    close: async () => {},
  };
}

const step = parseSpecText(`name: p
count: 4
fields:
  name: { kind: sequence }
  bio:  { kind: llm, prompt: "About {{name}}", maxLength: 30 }
  mood: { kind: llm, prompt: "a mood", values: [happy, sad] }
stages: { generate: { route: ensemble, ensemble: { size: 2, merge: judge }, judge: c } }
backends:
  a: { provider: ollama, model: a, tier: 1, costPer1kInput: 1, costPer1kOutput: 1 }
  b: { provider: ollama, model: b, tier: 2, costPer1kInput: 2, costPer1kOutput: 2 }
  c: { provider: ollama, model: c, tier: 3, costPer1kInput: 3, costPer1kOutput: 3 }
`, 'p.yaml').spec;

const route: StepRoute = {
  step: 0, policy: 'ensemble', mode: 'ensemble',
  fields: ['bio', 'mood'].map((field) => ({ field, ladder: [], members: ['a', 'b'], complexity: { score: 1, tier: 1 }, alternatives: [], reason: 'r', estCost: 0 })),
};

async function write(delays: { a: number; b: number }) {
  const backends = new Map([['a', fake('a', delays.a)], ['b', fake('b', delays.b)], ['c', fake('c', 1)]]);
  const w = new RoutedWriter({ dataset: 'p', fields, step: step.stages.steps[0] as never, backends, prices: step.backends, recordsPerCall: 10, seed: 1, top: 'c' });
  const records = Array.from({ length: 4 }, (_, i) => ({ index: i, record: { name: i + 1 } as Record<string, unknown> }));
  return w.write(records, route);
}

describe('routed writer: an ensemble with a judge', () => {
  it('gives the same values and verdicts in the same order whichever member answers first', async () => {
    const slowA = await write({ a: 30, b: 1 });
    const slowB = await write({ a: 1, b: 30 });
    expect(JSON.stringify(slowA.verdicts)).toBe(JSON.stringify(slowB.verdicts));
    expect([...slowA.values]).toEqual([...slowB.values]);
    // Verdicts go by field, then member order, the judge last.
    expect(slowA.verdicts.map((v) => `${v.field}/${v.backend}${v.judge ? '/judge' : ''}`)).toEqual(['bio/a', 'bio/b', 'bio/c/judge', 'mood/a', 'mood/b']);
  });

  it("takes the judge's best-scored candidate: here the second member's text", async () => {
    const out = await write({ a: 1, b: 1 });
    expect([...out.values.values()].map((v) => v.bio)).toEqual(['b 0', 'b 1', 'b 2', 'b 3']);
    const judge = out.verdicts.find((v) => v.judge)!;
    expect(judge).toMatchObject({ field: 'bio', backend: 'c', asked: 0, accepted: 0, judge: { judged: 4, fellBack: 0 } });
    expect(judge.cost).toBeGreaterThan(0);
  });
});

describe("routed writer: cascade's judge trigger", () => {
  it('escalates what the judge flags, and records the judge\'s call as its own verdict', async () => {
    const spec = parseSpecText(`name: p
count: 4
fields:
  name: { kind: sequence }
  bio:  { kind: llm, prompt: "About {{name}}", maxLength: 30 }
  mood: { kind: llm, prompt: "a mood", values: [happy, sad] }
stages: { generate: { route: cascade, escalateOn: [judge], judge: c, judgeSample: 1, maxDefectRate: 0.2 } }
backends:
  a: { provider: ollama, model: a, tier: 1, costPer1kInput: 1, costPer1kOutput: 1 }
  b: { provider: ollama, model: b, tier: 2, costPer1kInput: 2, costPer1kOutput: 2 }
  c: { provider: ollama, model: c, tier: 3, costPer1kInput: 3, costPer1kOutput: 3 }
`, 'p.yaml').spec;
    const backends = new Map([['a', fake('a', 1)], ['b', fake('b', 1)], ['c', fake('c', 1)]]);
    const w = new RoutedWriter({ dataset: 'p', fields, step: spec.stages.steps[0] as never, backends, prices: spec.backends, recordsPerCall: 10, seed: 1, top: 'c' });
    const cascade: StepRoute = { step: 0, policy: 'cascade', mode: 'field', fields: ['bio', 'mood'].map((field) => ({ field, ladder: ['a', 'b'], complexity: { score: 1, tier: 1 }, alternatives: [], reason: 'r', estCost: 0 })) };
    const out = await w.write(Array.from({ length: 4 }, (_, i) => ({ index: i, record: { name: i + 1 } as Record<string, unknown> })), cascade);
    // Every sampled record flagged: both fields went up to b.
    expect([...out.values.values()].map((v) => v.bio)).toEqual(['b 0', 'b 1', 'b 2', 'b 3']);
    const judged = out.verdicts.filter((v) => v.judge);
    expect(judged.map((v) => `${v.field}/${v.backend}`)).toEqual(['bio/c', 'mood/c']);
    for (const v of judged) {
      expect(v).toMatchObject({ asked: 0, accepted: 0, judge: { judged: 4, fellBack: 0 } });
      expect(v.cost).toBeGreaterThan(0);
    }
    expect(out.verdicts.find((v) => v.field === 'bio' && v.backend === 'a')!.triggers).toEqual({ judge: 4 });
  });
});
