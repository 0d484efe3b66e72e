import { loadSpec, planSpec } from '@synthfarm/engine';
import { previewRoutes } from '@synthfarm/routing';
import { estimateCost, enrichFieldNames, runSpec } from '@synthfarm/stages';

/** `synthfarm plan SPEC`: datasets, batches, fields by kind. Calls no model. */
export async function planCommand(file: string, opts: { count?: number; batchSize?: number; scale?: number; json?: boolean }): Promise<void> {
  const loaded = await loadSpec({ file }, { overrides: { count: opts.count, batchSize: opts.batchSize, scale: opts.scale } });
  const spec = runSpec(loaded.spec);
  const enrichFields = enrichFieldNames(spec);
  const plan = planSpec(spec);
  const estimate = await estimateCost(spec, enrichFields);
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
    lines.push('model estimate (a clean first run; no model was called):');
    for (const [name, b] of Object.entries(estimate.backends)) lines.push(`  ${name}: ${b.calls} calls, ~${b.tokensIn} tokens in, ~${b.tokensOut} tokens out, ~$${b.cost.toFixed(4)}`);
    lines.push(`  total: ~$${estimate.totalCost.toFixed(4)}`);
  } else lines.push('no model fields: no model calls, no cost');
  process.stdout.write(lines.join('\n') + '\n');
}
