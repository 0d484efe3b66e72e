import { describe, expect, it } from 'vitest';
import { parseSpecText } from '@synthfarm/spec';
import { modelsOf, workerShortage } from './worker-watch.js';

/** A spec whose `people` dataset has two llm fields, with the given stages; `tags` is code only. */
function spec(stages: string, backends = `
  mid:    { provider: ollama, model: "mid:8b", tier: 2, hosts: ["http://h"] }
  cheap:  { provider: ollama, model: "cheap:1b", tier: 1, hosts: ["http://h"] }
  big:    { provider: ollama, model: "big:70b", tier: 3, hosts: ["http://h"] }
  remote: { provider: openai, model: gpt-4o, tier: 3, baseUrl: "https://api.example.com/v1" }`) {
  return parseSpecText(`seed: 1
datasets:
  - name: people
    count: 10
    fields:
      id:   { kind: sequence }
      mood: { kind: llm, prompt: "a mood", values: [happy, sad] }
      bio:  { kind: llm, prompt: "a bio", maxLength: 80 }
  - name: tags
    count: 5
    fields:
      id: { kind: sequence }
stages: ${stages}
backends: ${backends}
`, 'spec.yaml').spec;
}

const beat = (host: string, models: string[]) => ({ host, models });

describe('which models a dataset\'s batches may call (farm worker watch)', () => {
  it.each([
    ['fixed: the backend and its fallbacks', '{ generate: { backend: mid, fallback: [cheap] } }', ['mid:8b', 'cheap:1b']],
    ['routed: every candidate, local ones only (a remote API needs no worker of its own)', '{ generate: { route: cascade, backends: [cheap, mid, remote] } }', ['cheap:1b', 'mid:8b']],
    ['routed: the judge too', '{ generate: { route: ensemble, backends: [cheap, mid], judge: big, ensemble: { size: 2, merge: judge } } }', ['cheap:1b', 'mid:8b', 'big:70b']],
    ['an ordered list: each stage\'s routing, and the enrich and validate stages\' backends', '[{ stage: generate, fields: [mood], backend: cheap }, { stage: generate, fields: [bio], route: cheapest, backends: [mid] }, { stage: validate, backend: big, sample: 0.1 }]', ['cheap:1b', 'mid:8b', 'big:70b']],
  ])('%s', (_, stages, models) => {
    expect(modelsOf(spec(stages), 0)).toEqual(models);
    expect(modelsOf(spec(stages), 1)).toEqual([]);
  });
});

describe('the message while no live worker can take a dataset\'s batches', () => {
  const routed = spec('{ generate: { route: cascade, backends: [cheap, mid] } }');
  it.each([
    ['one worker serves every model the route may call: silent', [beat('gpu1', ['cheap:1b', 'mid:8b'])], undefined],
    ['nothing connected', [], '0 workers serve cheap:1b, mid:8b'],
    ['connected workers serve other models', [beat('gpu1', ['other:1b'])], '0 workers serve cheap:1b, mid:8b (1 connected serve other models)'],
    ['served only partly: names the models without a worker', [beat('gpu1', ['mid:8b'])], "0 workers serve cheap:1b, which dataset people's route may call (mid:8b has one)"],
    ['every model has a worker, but none has them all (a worker calls each on its own host)', [beat('gpu1', ['cheap:1b']), beat('gpu2', ['mid:8b'])], "no worker serves all of cheap:1b, mid:8b, which dataset people's route may call on the worker's own host (cheap:1b on gpu1; mid:8b on gpu2)"],
  ])('%s', (_, beats, message) => {
    expect(workerShortage(routed, 0, beats)).toBe(message);
  });

  it('a fixed single-model dataset keeps its message; a code-only one needs any worker', () => {
    const fixed = spec('{ generate: { backend: mid } }');
    expect(workerShortage(fixed, 0, [])).toBe('0 workers serve mid:8b');
    expect(workerShortage(fixed, 0, [beat('gpu1', ['mid'])])).toBe('0 workers serve mid:8b (1 connected serve other models)');
    expect(workerShortage(fixed, 0, [beat('gpu1', ['mid:8b'])])).toBeUndefined();
    expect(workerShortage(fixed, 1, [])).toBe('0 workers are connected');
    expect(workerShortage(fixed, 1, [beat('gpu1', ['x:1b'])])).toBeUndefined();
  });
});
