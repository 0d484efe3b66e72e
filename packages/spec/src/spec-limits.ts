import { z } from 'zod';
import { UsageError } from '@synthfarm/core';
import { clip } from './limit-error.js';

const limit = (def: number, what: string) => z.number().int('must be an integer').positive('must be > 0').default(def).describe(what);

/**
 * Every resource a spec can ask for, bounded by the operator (not by the spec's author):
 * one request must not take a server down. Defaults are here and nowhere else; the README's
 * Security table lists them. Set with `--limit name=N` (repeatable) or `SYNTHFARM_LIMITS=name=N,...`.
 */
export const SpecLimitsSchema = z.strictObject({
  specBytes: limit(1_048_576, 'spec text size, in bytes (the HTTP body limit is the same 1 MiB)'),
  validateMs: limit(10_000, 'time to parse and validate one spec off the event loop (serve), in milliseconds'),
  validateMemoryMb: limit(256, 'heap of the thread that validates posted specs (serve), in MB'),
  depth: limit(64, 'nesting depth of the spec document, aliases expanded'),
  aliases: limit(100, 'YAML alias nodes (*name) in one spec'),
  aliasNodes: limit(10_000, 'nodes YAML aliases may add when expanded, over the whole spec'),
  keys: limit(10_000, 'entries of one mapping or list (weights, values, fields, args)'),
  stringChars: limit(10_000, 'characters of one string value or key (templates, prompts, faker arguments)'),
  datasets: limit(100, 'datasets in one spec'),
  fields: limit(1_000, 'fields of one dataset, nested ones included'),
  count: limit(1_000_000_000, 'records of one dataset'),
  totalCount: limit(10_000_000_000, 'records of all datasets together'),
  indexedCount: limit(10_000_000, 'records of a dataset that keeps per-record state: a unique field, or a field other datasets ref'),
  arrayElements: limit(10_000, 'elements of one array field per record, nested arrays multiplied'),
  fakerArgMax: limit(10_000, 'a size a faker method is given (a length, a count, a {n} in a pattern)'),
  fakerValueChars: limit(100_000, 'characters of one value a faker method returns, measured when the spec is checked'),
});
export type SpecLimits = z.infer<typeof SpecLimitsSchema>;
export type SpecLimitName = keyof SpecLimits;
export { clip, limitError } from './limit-error.js';

/** The defaults, documented in {@link SpecLimitsSchema}. */
export const DEFAULT_SPEC_LIMITS: Readonly<SpecLimits> = Object.freeze(SpecLimitsSchema.parse({}));

/** The limit names, for messages and the README. */
export const SPEC_LIMIT_NAMES = Object.keys(SpecLimitsSchema.shape) as SpecLimitName[];

/**
 * The limits of this process, set once at start-up by the CLI (`--limit`, `SYNTHFARM_LIMITS`).
 * Process-wide like `yaml`'s default options: every place that parses a spec (files, HTTP bodies,
 * schedule firings, job payloads) uses them without each call site threading them through.
 */
let processLimits: Readonly<SpecLimits> = DEFAULT_SPEC_LIMITS;

/** Sets this process's limits (see {@link resolveSpecLimits}). */
export function configureSpecLimits(limits: SpecLimits): void {
  processLimits = Object.freeze({ ...limits });
}

/** This process's limits: the defaults unless {@link configureSpecLimits} changed them. */
export function currentSpecLimits(): Readonly<SpecLimits> {
  return processLimits;
}

/**
 * Limits from `SYNTHFARM_LIMITS` (`count=1e8,fakerArgMax=100`) then `--limit name=N` flags, over
 * the defaults. Values are integers; `1e8` and `1_000_000` are accepted.
 * @throws UsageError naming the bad entry.
 */
export function resolveSpecLimits(env: string | undefined, flags: readonly string[] = []): SpecLimits {
  const out: Record<string, number> = { ...DEFAULT_SPEC_LIMITS };
  const apply = (entry: string, where: string) => {
    const eq = entry.indexOf('=');
    const name = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    const raw = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (!SPEC_LIMIT_NAMES.includes(name as SpecLimitName)) throw new UsageError(`${where} ${clip(name, 40)}: unknown limit (limits: ${SPEC_LIMIT_NAMES.join(', ')})`);
    const n = Number(raw.replace(/_/g, ''));
    if (raw === '' || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${where} ${name}: must be a positive integer like ${name}=${DEFAULT_SPEC_LIMITS[name as SpecLimitName]}, got '${clip(raw, 40)}'`);
    out[name] = n;
  };
  for (const e of (env ?? '').split(',')) if (e.trim()) apply(e, 'SYNTHFARM_LIMITS');
  for (const f of flags) for (const e of f.split(',')) if (e.trim()) apply(e, '--limit');
  return SpecLimitsSchema.parse(out);
}
