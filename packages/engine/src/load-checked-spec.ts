import { checkCompiles, resolveChildCounts } from '@synthfarm/codegen';
import { checkSpecLimits, checkSubmittedSources, currentSpecLimits, loadSpecFile, parseSpecText, type LoadedSpec, type LoadSpecOptions } from '@synthfarm/spec';

/** Where a spec comes from: a file, or text already read (an HTTP body, a schedule's payload). */
export type SpecInput = { file: string } | { text: string; source: string };

/**
 * The one way a spec is loaded for use: read, parsed, validated against the schema, the limits
 * and (for a submitted spec) the farm policy, and every code dataset compiled once, so what
 * only compilation finds (an unknown faker method, a dependency cycle) fails here with the
 * field's path — at `schedule add`, not when the schedule fires at 2 a.m. `run`, `validate`,
 * `plan`, `schedule add`, schedule firings and the API's validator thread all call this.
 * @throws UsageError or SpecError (exit 2).
 */
export async function loadSpec(input: SpecInput, opts: LoadSpecOptions & { skipSources?: boolean } = {}): Promise<LoadedSpec> {
  const limits = opts.limits ?? currentSpecLimits();
  const loaded = 'file' in input ? await loadSpecFile(input.file, { ...opts, limits }) : parseSpecText(input.text, input.source, { ...opts, limits });
  await checkCompiles(loaded.spec, limits);
  if (opts.farmPolicy) await checkSubmittedSources(loaded.spec, opts.farmPolicy);
  // Transform datasets: their sources are read (columns, row count) before anything is written.
  // Imported when needed: the API's validator thread (a small heap) loads no database driver for other specs.
  if (!opts.skipSources && loaded.spec.datasets.some((d) => d.source)) await (await import('./source-rows.js')).resolveSourceCounts(loaded.spec);
  // perParent datasets: the count is the sum of the parents' children, drawn from the seed (the
  // parents' counts known by now), and is held to the same limits as a count written in the spec.
  resolveChildCounts(loaded.spec);
  checkSpecLimits(loaded.spec, limits);
  return loaded;
}
