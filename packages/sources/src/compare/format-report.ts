import type { FidelityReport } from './compare-output.js';

/** The human table of `synthfarm compare`. */
export function formatReport(r: FidelityReport): string {
  const lines: string[] = [`fidelity of ${r.outDir} against ${r.source}`];
  for (const t of r.tables) {
    lines.push('', `${t.name}: ${t.rows.source} source rows, ${t.rows.output} output rows (×${(t.rows.output / Math.max(1, t.rows.source)).toFixed(2)})`);
    lines.push(`  ${'column'.padEnd(20)} ${'type'.padEnd(8)} ${'null src/out'.padEnd(15)} ${'distinct src/out'.padEnd(18)} distance`);
    for (const c of t.columns) {
      const dist = c.ks !== undefined ? `KS ${c.ks.toFixed(3)}` : c.tvd !== undefined ? `TVD ${c.tvd.toFixed(3)}` : c.key ? 'key' : '';
      lines.push(`  ${c.name.padEnd(20)} ${c.type.padEnd(8)} ${`${c.nullRate.source.toFixed(3)}/${c.nullRate.output.toFixed(3)}`.padEnd(15)} ${`${c.distinct.source}/${c.distinct.output}`.padEnd(18)} ${dist}`);
    }
    for (const c of t.correlations) lines.push(`  correlation ${c.a}~${c.b}: ${c.source.toFixed(2)} → ${c.output.toFixed(2)} (diff ${c.diff.toFixed(2)})`);
    if (t.missingColumns.length) lines.push(`  missing in the output: ${t.missingColumns.join(', ')}`);
  }
  if (r.foreignKeys.length) lines.push('');
  for (const f of r.foreignKeys) lines.push(`foreign key ${f.table}.${f.column} -> ${f.refTable}.${f.refColumn} (${f.source}): ${f.checked} values, ${f.orphans} orphans${f.orphans ? '' : ' ✓'}`);
  const w = r.worst;
  lines.push('', `worst: KS ${w.ks.toFixed(3)}, TVD ${w.tvd.toFixed(3)}, null-rate diff ${w.nullRateDiff.toFixed(3)}, correlation diff ${w.correlationDiff.toFixed(2)}, orphans ${w.orphans}`);
  return lines.join('\n') + '\n';
}
