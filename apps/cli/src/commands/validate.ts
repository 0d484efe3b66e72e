import { loadSpec } from '@synthfarm/engine';

/** `synthfarm validate SPEC`: exit 0 and a one-line summary, or exit 2 naming the first problem. */
export async function validateCommand(file: string): Promise<void> {
  const { spec } = await loadSpec({ file });
  const n = spec.datasets.reduce((a, d) => a + d.count, 0);
  process.stdout.write(`${file}: valid (${spec.datasets.length} dataset${spec.datasets.length > 1 ? 's' : ''}, ${n} records, seed ${spec.seed})\n`);
}
