import { checkCompiles } from '@synthfarm/codegen';
import { planSpec } from '@synthfarm/engine';
import { loadSpecFile } from '@synthfarm/spec';

/** `synthfarm plan SPEC`: datasets, batches, fields by kind. Calls no model. */
export async function planCommand(file: string, opts: { count?: number; batchSize?: number; json?: boolean }): Promise<void> {
  const { spec } = await loadSpecFile(file, { overrides: { count: opts.count, batchSize: opts.batchSize } });
  await checkCompiles(spec);
  const plan = planSpec(spec);
  if (opts.json) {
    process.stdout.write(JSON.stringify(plan) + '\n');
    return;
  }
  const lines = [`seed ${plan.seed}: ${plan.totalRecords} records in ${plan.totalBatches} batches`];
  for (const d of plan.datasets) {
    lines.push(`  ${d.name}: ${d.count} records, ${d.batches} batches of ${d.batchSize}`);
    for (const [kind, fields] of Object.entries(d.fieldsByKind)) lines.push(`    ${kind.padEnd(12)} ${fields.join(', ')}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
