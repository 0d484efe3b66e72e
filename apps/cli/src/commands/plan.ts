import { loadSpec, planSpec } from '@synthfarm/engine';
import { previewRoutes } from '@synthfarm/routing';
import { createCostModel, enrichFieldNames, ratesFromDir, runSpec } from '@synthfarm/stages';

/**
 * `synthfarm plan SPEC`: datasets, batches, fields by kind, and the cost estimate (repairs,
 * escalations, enrich, audit regenerations included; rates fitted to the last run published in
 * the output directory, else priors). Calls no model.
 */
export async function planCommand(file: string, opts: { count?: number; batchSize?: number; scale?: number; json?: boolean }): Promise<void> {
  const loaded = await loadSpec({ file }, { overrides: { count: opts.count, batchSize: opts.batchSize, scale: opts.scale } });
  const spec = runSpec(loaded.spec);
  const enrichFields = enrichFieldNames(spec);
  const plan = planSpec(spec);
  const model = await createCostModel(spec, enrichFields);
  const estimate = model.run(await ratesFromDir(model, spec, spec.output.dir));
  const routing = previewRoutes(spec);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...plan, estimate, routing }) + '\n');
    return;
  }
  const lines = [`seed ${plan.seed}: ${plan.totalRecords} records in ${plan.totalBatches} batches`];
  for (const d of plan.datasets) {
    lines.push(`  ${d.name}: ${d.count} records, ${d.batches} batches of ${d.batchSize}`);
    for (const [kind, fields] of Object.entries(d.fieldsByKind)) lines.push(`    ${kind.padEnd(12)} ${fields.join(', ')}`);
  }
  if (routing.length) lines.push('routing (complexity by rule → tier; the first batch\'s route, from no learned weights):');
  for (const r of routing) {
    lines.push(`  ${r.dataset} stage ${r.step} (${r.policy}): batch complexity ${r.batch.score}, tier ${r.batch.tier}`);
    for (const f of r.fields) lines.push(`    ${f.field.padEnd(12)} tier ${f.complexity.tier} (${f.complexity.score}: ${f.complexity.reasons.join(', ')}) → ${f.members ? `ensemble ${f.members.join(' + ')}${f.ladder.length ? `, then ${f.ladder.join(' → ')}` : ''}` : f.ladder.join(' → ')}`);
  }
  if (estimate.datasets.length) {
    const r = estimate.rates;
    const from = r.from === 'prior' ? 'priors' : `fitted to ${r.from} in ${spec.output.dir}`;
    lines.push(`model estimate (no model was called; ${(r.invalidRate * 100).toFixed(1)}% invalid answers, ${(r.defectRate * 100).toFixed(1)}% audit defects: ${from}):`);
    for (const [name, b] of Object.entries(estimate.backends)) lines.push(`  ${name}: ${b.calls} calls (${b.firstPassCalls} first pass), ~${b.tokensIn} tokens in, ~${b.tokensOut} tokens out, ~$${b.cost.toFixed(4)}`);
    lines.push(`  total: ~$${estimate.totalCost.toFixed(4)}`);
    const caps = spec.budgets;
    if (caps?.run !== undefined && estimate.totalCost > caps.run) lines.push(`  note: more than budgets.run ${caps.run} USD: the run will stop there (budget_exceeded)`);
  } else lines.push('no model fields: no model calls, no cost');
  process.stdout.write(lines.join('\n') + '\n');
}
