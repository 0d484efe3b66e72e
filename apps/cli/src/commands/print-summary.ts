import { resolve } from 'node:path';
import type { Manifest } from '@synthfarm/engine';

/** The end of a run on stdout: a line per dataset, the run line, and with --json a JSON summary last. */
export function printSummary(m: Manifest, dir: string, json: boolean): void {
  const out = process.stdout;
  for (const [name, d] of Object.entries(m.datasets)) {
    const files = d.files.map((f) => `${dir}/${f.path}`).join(', ');
    out.write(`${name}: ${d.written} written, ${d.rejected} rejected${files ? ` → ${files}` : ''}\n`);
  }
  out.write(`run ${m.runId} ${m.status} in ${(m.timings.totalMs / 1000).toFixed(1)} s; manifest: ${dir}/manifest.json${m.offline ? ' (offline: llm fields filled procedurally)' : ''}\n`);
  if (json) {
    const summary = {
      runId: m.runId, status: m.status, outDir: resolve(dir), offline: m.offline,
      datasets: Object.fromEntries(Object.entries(m.datasets).map(([k, d]) => [k, { requested: d.requested, written: d.written, rejected: d.rejected }])),
      durationMs: m.timings.totalMs,
    };
    out.write(JSON.stringify(summary) + '\n');
  }
}
