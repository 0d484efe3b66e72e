import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DatasetSchema } from '@synthfarm/spec';
import { summarizeBatch } from './batch-summary.js';
import { planDataset } from './column-plan.js';
import { createDatasetAccumulator } from './dataset-accumulator.js';
import { emptyTimeline, foldTimeline } from './event-timeline.js';
import { buildPageModel } from './page-model.js';
import { renderReport, scriptBytes } from './render-report.js';

describe('inlined scripts', () => {
  it('are copied as they are when nothing in them could end the <script> element', () => {
    const b = Buffer.from('const a = "</div>" + x < y; // é</scrip');
    expect(scriptBytes(b)).toBe(b);
  });

  it('have </script (any case) and <!-- escaped, as the text escape does', () => {
    const text = 'a="</ScRiPt>";b="<!--";c="</scriptx";d="é"';
    expect(scriptBytes(Buffer.from(text)).toString()).toBe('a="<\\/ScRiPt>";b="<\\!--";c="<\\/scriptx";d="é"');
  });
});

describe('report.html', () => {
  const ds = DatasetSchema.parse({
    name: 'people',
    count: 3000,
    fields: {
      id: { kind: 'sequence' },
      age: { kind: 'normal', mean: 40, sd: 10, integer: true, min: 18 },
      score: { kind: 'lognormal', mu: 3, sigma: 0.5 },
      tier: { kind: 'choice', weights: { free: 3, paid: 1 } },
      nick: { kind: 'faker', method: 'person.firstName', nullRate: 0.25 },
    },
  });
  const records = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, age: 18 + ((i * 7919) % 60), score: 1 + ((i * 104729) % 997) / 10, tier: i % 4 ? 'free' : 'paid', nick: i % 4 === 1 ? null : `n${i % 700} </script>` }));
  const plan = planDataset(ds);
  const acc = createDatasetAccumulator(plan);
  for (let i = 0; i < records.length; i += 1000) acc.add(summarizeBatch(plan, records.slice(i, i + 1000)));
  const data = { version: 1 as const, runId: 'r1', datasets: [{ plan, summary: acc.summary() }], rejectExamples: { people: { invalid: [{ dataset: 'people', index: 3, error: 'bad </script> value' }] } } };
  const timeline = emptyTimeline();
  for (const e of [
    { type: 'run_state', at: 1000, state: 'running', mode: 'embedded' },
    { type: 'batch_committed', at: 1400, dataset: 'people', batch: 0, records: 1000 },
    { type: 'reject', at: 1500, dataset: 'people', count: 1, reasons: { invalid: 1 } },
  ]) foldTimeline(timeline, e);
  const manifest = { runId: 'r1', status: 'succeeded', mode: 'embedded', datasets: { people: { requested: 3000, written: 2999, rejected: 1, files: [{ path: 'people.csv', format: 'csv', rows: 2999, bytes: 12345 }] } }, timings: { totalMs: 420 } };

  /** The page's inlined input and its scripts, as the browser would find them. */
  function page(): { input: { manifest: unknown; data: unknown; timeline: unknown }; scripts: string[] } {
    const html = Buffer.concat(renderReport({ manifest, data, timeline }).map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString('utf8');
    const input = /<script id="report-input" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    return { input: JSON.parse(input), scripts };
  }

  it('inlines what the report is drawn from, with nothing in it that could end its <script> element', () => {
    const { input } = page();
    // Values that contain `</script>` arrive intact, escaped in the file (else the regex would have cut them).
    expect(input).toEqual(JSON.parse(JSON.stringify({ manifest, data, timeline })));
  });

  it("builds in the browser the same page model as page-model.ts does in Node (the page's bundle of it)", () => {
    const { input, scripts } = page();
    const bundle = scripts.find((s) => s.includes('SynthfarmPageModel'))!;
    const sandbox: Record<string, any> = {};
    runInNewContext(`${bundle}\nthis.model = SynthfarmPageModel.buildPageModel(input.manifest, input.data || undefined, input.timeline);`, Object.assign(sandbox, { input }));
    const inNode = buildPageModel(manifest, data, timeline);
    expect(JSON.parse(JSON.stringify(sandbox.model))).toEqual(JSON.parse(JSON.stringify(inNode)));
    // A model with column plots and checks, not an empty one.
    expect(inNode.datasets[0]!.columns.map((c) => c.path)).toEqual(['id', 'age', 'score', 'tier', 'nick']);
    expect(inNode.datasets[0]!.columns.every((c) => c.checks.length > 0)).toBe(true);
  });
});
