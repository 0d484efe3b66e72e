import { FakerRegistry, Rng } from '@synthfarm/codegen';
import { hash53, mix32 } from '@synthfarm/core';
import type { RecordStage, StagedBatch } from '@synthfarm/engine';
import type { LlmFieldSpec, Spec } from '@synthfarm/spec';
import { nullers } from './apply-values.js';
import { llmField, modelFieldsOf, type ModelField } from './model-fields.js';
import { createSampler, enrichSamplePurpose } from './sample.js';
import { hintedFaker, hintedFakerMethod } from './offline-hints.js';
import { isModelDataset } from './enrich-fields.js';

/**
 * `--offline`: model fields filled procedurally with no model call: enum picks, numbers in
 * range, a value of the hinted kind for a string whose hint or name says what it is ("a US city",
 * `email`: a city, an example.com address), faker sentences cut to the field's limits otherwise. Valid against the same schema, clearly
 * not model text; the manifest says `offline: true`. Every model stage is filled: the generate
 * stages' fields on every record, each enrich stage's on the records its own sample draws.
 */
export function createOfflineStage(spec: Spec, enrichFields: ReadonlySet<string>): RecordStage {
  const fakers = new FakerRegistry();
  const sentence = fakers.resolve('lorem.sentence', [10], 'en', 'offline');
  const hinted = hintedFaker(fakers);
  const text = (rng: Rng, hint: string | undefined, name: string): string => {
    const method = hintedFakerMethod(hint, name);
    return String((method ? hinted(method) : sentence)(rng));
  };
  // Every enrich stage of the list, each with its fields and its own sample (as online).
  const steps = spec.stages.steps;
  const enrichStages = steps.flatMap((st, k) => (st.stage === 'enrich' && st.fields ? [{ k, sample: st.sample, fields: Object.entries(st.fields).map(([n, f]) => llmField(n, f as LlmFieldSpec)) }] : []));
  const perDataset = spec.datasets.map((ds, d) => {
    if (!isModelDataset(ds)) return undefined;
    const fields = modelFieldsOf(ds, `datasets[${d}]`, enrichFields);
    return {
      fields,
      nulls: nullers(spec.seed, ds.name, fields),
      key: hash53(`${spec.seed}\u0000${ds.name}\u0000offline`) >>> 0,
      // `first`: the stage's fields draw after those of the enrich stages before it, so no two share a draw.
      enrich: enrichStages.map((e, j) => ({ fields: e.fields, first: enrichStages.slice(0, j).reduce((n, x) => n + x.fields.length, 0), sampled: createSampler(spec.seed, ds.name, enrichSamplePurpose(steps, e.k), e.sample) })),
    };
  });
  const rng = new Rng();
  return {
    async process(b: StagedBatch) {
      const p = perDataset[b.datasetIndex];
      if (!p || !b.records) return b;
      b.records.forEach((rec, k) => {
        if (!rec) return;
        const i = b.start + k;
        const fill = (fields: ModelField[], first = 0) =>
          fields.forEach((f, n) => {
            rng.reset(mix32(p.key, i, first + n));
            rec[f.name] = fakeValue(f.json, rng, f.name, (hint, name) => text(rng, hint, name));
          });
        fill(p.fields);
        for (const nl of p.nulls) if (nl.hit(i)) rec[nl.name] = null;
        for (const e of p.enrich) if (e.sampled(i)) fill(e.fields, e.first);
      });
      return b;
    },
  };
}

/** A value that satisfies a model field's JSON schema; `name` is its dot path (`maker.city`). */
function fakeValue(json: Record<string, unknown>, rng: Rng, name: string, text: (hint: string | undefined, name: string) => string): unknown {
  if (Array.isArray(json.enum)) return json.enum[rng.below(json.enum.length)];
  switch (json.type) {
    case 'boolean': return rng.next() < 0.5;
    case 'integer': case 'number': {
      const lo = typeof json.minimum === 'number' ? json.minimum : 0;
      const hi = typeof json.maximum === 'number' ? json.maximum : lo + 100;
      const x = lo + rng.next() * (hi - lo);
      return json.type === 'integer' ? Math.min(Math.floor(hi), Math.max(Math.ceil(lo), Math.round(x))) : Math.round(x * 100) / 100;
    }
    case 'null': return null;
    case 'array': {
      const items = json.items as Record<string, unknown>;
      const min = typeof json.minItems === 'number' ? json.minItems : 1;
      const max = typeof json.maxItems === 'number' ? json.maxItems : 3;
      return Array.from({ length: min + rng.below(max - min + 1) }, () => fakeValue(items, rng, name, text));
    }
    case 'object': {
      const props = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fakeValue(v, rng, `${name}.${k}`, text)]));
    }
    default: {
      if (json.format === 'date-time') return new Date(Date.UTC(2020, 0, 1) + rng.below(5 * 365 * 86400) * 1000).toISOString().replace('.000Z', 'Z');
      const max = typeof json.maxLength === 'number' ? json.maxLength : 200;
      const min = typeof json.minLength === 'number' ? json.minLength : 1;
      const hint = typeof json.description === 'string' ? json.description : undefined;
      let s = text(hint, name);
      while (s.length < min) s += ` ${text(undefined, '')}`;
      if (s.length > max) s = s.slice(0, max).replace(/\s+\S*$/, '') || s.slice(0, max);
      return s;
    }
  }
}
