import { describe, expect, it } from 'vitest';
import { validateSpec } from '@synthfarm/spec';
import { observeArm, type Weights } from './arm-state.js';
import { createRouter } from './router.js';

/** A spec with three tiers and one easy and one hard field, routed by `route`. */
function spec(generate: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return validateSpec({
    seed: 7,
    name: 'people',
    count: 100,
    batchSize: 10,
    fields: {
      tier: { kind: 'choice', values: ['free', 'paid'] },
      mood: { kind: 'llm', prompt: 'a mood', values: ['happy', 'sad'] },
      bio: { kind: 'llm', prompt: 'Two sentences about a {{tier}} customer', maxLength: 160 },
    },
    backends: {
      cheap: { provider: 'ollama', model: 'cheap:1b', costPer1kInput: 1, costPer1kOutput: 1 },
      mid: { provider: 'ollama', model: 'mid:8b', costPer1kInput: 4, costPer1kOutput: 4 },
      premium: { provider: 'ollama', model: 'premium:70b', costPer1kInput: 20, costPer1kOutput: 20 },
    },
    stages: { generate },
    ...extra,
  }, 'routing.test.yaml', 'test').spec;
}

const routeOf = (g: Record<string, unknown>, weights?: Weights, batch = 0) => createRouter({ spec: spec(g), weights }).decide(0, batch, 10)!.steps[0]!;
const ladders = (s: ReturnType<typeof routeOf>) => Object.fromEntries(s.fields.map((f) => [f.field, f.members ? { members: f.members, ladder: f.ladder } : f.ladder]));

/** Weights in which `backend` passed `pass` of 200 attempts at both fields. */
function weights(perBackend: Record<string, number>): Weights {
  const arms: Weights['arms'] = {};
  for (const [model, pass] of Object.entries(perBackend)) for (const f of ['mood', 'bio']) arms[`people/${f}/ollama:${model}`] = observeArm(undefined, pass * 200, (1 - pass) * 200, 0);
  return { version: 1, arms };
}

describe('routing policies decide each field (table-driven)', () => {
  const cases: Array<[string, Record<string, unknown>, Weights | undefined, Record<string, unknown>]> = [
    ['fixed: the backend then its fallbacks, whole records', { backend: 'cheap', fallback: ['premium'] }, undefined, { mood: ['cheap', 'premium'], bio: ['cheap', 'premium'] }],
    ['cheapest: the easy enum on tier 1, the record-dependent long text on tier 2', { route: 'cheapest' }, undefined, { mood: ['cheap', 'mid', 'premium'], bio: ['mid', 'premium'] }],
    ['cheapest within the listed candidates', { route: 'cheapest', backends: ['mid', 'premium'] }, undefined, { mood: ['mid', 'premium'], bio: ['mid', 'premium'] }],
    ['cascade: every field tries cheap first', { route: 'cascade' }, undefined, { mood: ['cheap', 'mid', 'premium'], bio: ['cheap', 'mid', 'premium'] }],
    ['ensemble: the cheapest N answer, the rest is the ladder', { route: 'ensemble', ensemble: { size: 2 } }, undefined, { mood: { members: ['cheap', 'mid'], ladder: ['premium'] }, bio: { members: ['cheap', 'mid'], ladder: ['premium'] } }],
    ['learned: a cheap arm that passes is the cheapest per accepted value', { route: 'learned', explore: 0 }, weights({ 'cheap:1b': 0.95, 'mid:8b': 0.97, 'premium:70b': 0.99 }), { mood: ['cheap', 'mid', 'premium'], bio: ['cheap', 'mid', 'premium'] }],
    ['learned: a cheap arm that fails is routed around', { route: 'learned', explore: 0 }, weights({ 'cheap:1b': 0.02, 'mid:8b': 0.97, 'premium:70b': 0.99 }), { mood: ['mid', 'premium'], bio: ['mid', 'premium'] }],
    ['learned: not onto the priciest model because it passes a little more', { route: 'learned', explore: 0 }, weights({ 'cheap:1b': 0.02, 'mid:8b': 0.9, 'premium:70b': 1 }), { mood: ['mid', 'premium'], bio: ['mid', 'premium'] }],
  ];
  it.each(cases)('%s', (_, g, w, want) => {
    const s = routeOf(g, w);
    expect(ladders(s)).toEqual(want);
    expect(s.mode).toBe(g.route === 'ensemble' ? 'ensemble' : g.route && g.route !== 'fixed' ? 'field' : 'record');
    for (const f of s.fields) {
      expect(f.reason.length).toBeGreaterThan(5);
      expect(f.alternatives.map((a) => a.backend).sort()).toEqual(g.route && g.route !== 'fixed' ? [...(g.backends as string[] ?? ['cheap', 'mid', 'premium'])].sort() : [...(f.ladder as string[])].sort());
    }
  });

  it('explains complexity by rule, and maps it to a tier', () => {
    const s = routeOf({ route: 'cheapest' });
    const bio = s.fields.find((f) => f.field === 'bio')!;
    expect(bio.complexity.tier).toBe(2);
    expect(bio.reason).toMatch(/free text \+1.*long text \(maxLength 160\) \+0\.5.*depends on the record \+0\.5/);
    expect(s.fields.find((f) => f.field === 'mood')!.complexity).toEqual({ score: 0, tier: 1 });
  });
});

describe('learned routing', () => {
  it('spends the exploration floor only on arms within 2x of the best expected cost', () => {
    const w = weights({ 'cheap:1b': 0.95, 'mid:8b': 0.95, 'premium:70b': 0.99 });
    const firsts = new Set<string>();
    for (let b = 0; b < 400; b++) firsts.add(routeOf({ route: 'learned', explore: 0.5, backends: ['cheap', 'mid', 'premium'] }, w, b).fields[0]!.ladder[0]!);
    // premium costs 20x cheap per accepted value: never explored; mid (4x) neither, as 4 > 2.
    expect(firsts).toEqual(new Set(['cheap']));
    const near = weights({ 'cheap:1b': 0.5, 'mid:8b': 0.95, 'premium:70b': 0.99 });
    const seen = new Set<string>();
    for (let b = 0; b < 400; b++) seen.add(routeOf({ route: 'learned', explore: 0.5 }, near, b).fields[0]!.ladder[0]!);
    expect(seen.has('premium')).toBe(false);
  });

  it('same seed, same weights, same verdicts → the same decisions; other verdicts → others', () => {
    const s = spec({ route: 'learned', window: 2 });
    const feed = (bad: boolean) => {
      const r = createRouter({ spec: s });
      const out = [];
      for (let b = 0; b < 30; b++) {
        out.push(JSON.stringify(r.decide(0, b, 10)));
        const passed = bad && b >= 5 ? 1 : 10;
        r.observe(0, b, [{ step: 0, field: 'bio', backend: 'cheap', asked: 10, passed, accepted: passed, cost: 0.01, escalated: 10 - passed }]);
      }
      return out;
    };
    expect(feed(false)).toEqual(feed(false));
    expect(feed(true)).not.toEqual(feed(false));
  });

  it('a batch sees only verdicts of batches before it by the window, whatever was committed since', () => {
    const s = spec({ route: 'learned', window: 3 });
    const early = createRouter({ spec: s });
    const late = createRouter({ spec: s });
    const v = (b: number) => [{ step: 0, field: 'bio', backend: 'cheap', asked: 10, passed: b % 2 ? 0 : 10, accepted: 5, cost: 0.01, escalated: 0 }];
    for (let b = 0; b < 10; b++) {
      early.observe(0, b, v(b));
      // `late` has only what the window lets batch 9 see (batches < 6); `early` has more committed.
      if (b < 6) late.observe(0, b, v(b));
    }
    for (let b = 0; b <= 9; b++) expect(JSON.stringify(early.decide(0, b, 10))).toBe(JSON.stringify(late.decide(0, b, 10)));
  });

  it('re-routes a field when its cheap arm degrades, and reports the drop', () => {
    const s = spec({ route: 'learned', window: 1, explore: 0 });
    const r = createRouter({ spec: s, weights: weights({ 'cheap:1b': 0.97, 'mid:8b': 0.97, 'premium:70b': 0.99 }) });
    const first: string[] = [];
    for (let b = 0; b < 40; b++) {
      const route = r.decide(0, b, 10)!.steps[0]!.fields.find((f) => f.field === 'bio')!;
      first.push(route.ladder[0]!);
      const onCheap = route.ladder[0] === 'cheap';
      // Costs as the prices say (92 tokens a value at 1 and 4 USD per 1k). cheap degrades from batch 10 on: none of its answers pass any more.
      const passed = onCheap ? (b < 10 ? 10 : 0) : 10;
      r.observe(0, b, [{ step: 0, field: 'bio', backend: route.ladder[0]!, asked: 10, passed, accepted: 10, cost: onCheap ? 0.92 : 3.68, escalated: 10 - passed }]);
    }
    expect(first.slice(0, 10).every((x) => x === 'cheap')).toBe(true);
    expect(first.slice(30)).not.toContain('cheap');
    expect(r.summary().drops).toEqual([expect.objectContaining({ field: 'bio', backend: 'cheap' })]);
  });
});
