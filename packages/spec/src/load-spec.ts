import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { SpecError, UsageError, sha256 } from '@synthfarm/core';
import { SpecSchema, type Spec } from './spec-schema.js';
import { interpolateEnv, type MissingEnv } from './interpolate-env.js';
import { describeIssue } from './format-zod-error.js';
import { checkSpec } from './check-spec.js';
import type { FarmPolicy } from './farm-policy.js';
import { checkSubmittedRefs, checkSubmittedSpec } from './submitted-spec.js';
import { checkYamlDocument } from './check-yaml-document.js';
import { checkSpecLimits } from './check-spec-limits.js';
import { currentSpecLimits, limitError, type SpecLimits } from './spec-limits.js';

/** Command-line values that replace a spec's own. */
export interface SpecOverrides {
  /** Replaces `count` of a one-dataset spec. */
  count?: number | undefined;
  /** Replaces `batchSize` of a one-dataset spec. */
  batchSize?: number | undefined;
  seed?: number | undefined;
  /**
   * Multiplies every dataset's `count` (rounded, at least 1), in any spec: `run --scale 10`
   * rehearses a migration at ten times the legacy volume. Applied after `--count`.
   */
  scale?: number | undefined;
  /** Replaces `output.dir`. */
  outDir?: string | undefined;
}

export interface LoadSpecOptions {
  /** Where `${VAR}` values come from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  overrides?: SpecOverrides;
  /**
   * Set when the spec is submitted to a farm (`run --redis`, `POST /runs`, schedules): it is
   * checked against the operator's policy (bound secrets, allowed origins; DESIGN §11) and bound
   * secrets are not read from `env` (workers resolve them). Default: embedded mode, no policy.
   */
  farmPolicy?: FarmPolicy;
  /** Resource limits; default this process's ({@link currentSpecLimits}). */
  limits?: SpecLimits;
}

/** A validated spec and what is known about where it came from. */
export interface LoadedSpec {
  spec: Spec;
  /** sha256 of the spec text as written (before interpolation: no secret is hashed in). */
  sha256: string;
  /** File name the spec came from, for messages. */
  source: string;
  /** Variables the spec refers to under `backends.*` that are not set. */
  missingEnv: MissingEnv[];
  /**
   * Backend API keys as written (`${OPENAI_API_KEY}`), by backend name: what is stored when a
   * spec crosses to another process, which then resolves the key from its own environment.
   */
  secretRefs: Record<string, string>;
}

const SINGLE_KEYS = ['name', 'count', 'batchSize', 'recordsPerCall', 'refill', 'fields', 'shape'] as const;

/** Reads, parses and validates a spec file. Throws {@link UsageError} or {@link SpecError} (exit 2). */
export async function loadSpecFile(file: string, opts: LoadSpecOptions = {}): Promise<LoadedSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`spec file not found: ${file}`);
    if (code === 'EISDIR') throw new UsageError(`spec path is a directory, not a file: ${file}`);
    throw new UsageError(`cannot read spec file ${file}: ${(err as Error).message}`);
  }
  return parseSpecText(text, file, opts);
}

/** Parses YAML or JSON spec text (JSON is YAML) and validates it. */
export function parseSpecText(text: string, source: string, opts: LoadSpecOptions = {}): LoadedSpec {
  const limits = opts.limits ?? currentSpecLimits();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.specBytes) throw limitError('', `${basename(source)}: a spec of ${bytes} bytes`, 'specBytes', limits);
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    // Duplicate keys are checked by checkYamlDocument, in linear time (yaml's check is quadratic).
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter });
  } catch (err) {
    // The composer recurses per nesting level: a deep enough document overflows the stack.
    if (err instanceof RangeError) throw limitError('', `${basename(source)}: nesting depth`, 'depth', limits);
    throw err;
  }
  const first = doc.errors[0];
  // yaml reports a stack overflow in its composer as a syntax error at the deepest node.
  if (first?.message.includes('Maximum call stack size exceeded')) throw limitError('', `${basename(source)}: nesting depth`, 'depth', limits);
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `${basename(source)}:${pos.line}:${pos.col}` : basename(source);
    const msg = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?\s*$/, '') ?? 'syntax error';
    throw new UsageError(`${where}: ${extname(source) === '.json' ? 'JSON' : 'YAML'} syntax error: ${msg}`);
  }
  checkYamlDocument(doc, lineCounter, source, limits);
  // Aliases were measured as expanded above; yaml's own heuristic count would only disagree.
  const raw: unknown = doc.toJS({ maxAliasCount: -1 });
  return validateSpec(raw, source, sha256(text), { ...opts, limits });
}

/** Validates an already-parsed spec object (from a file, an HTTP body or a job payload). */
export function validateSpec(raw: unknown, source: string, hash: string, opts: LoadSpecOptions = {}): LoadedSpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SpecError('', `${basename(source)}: a spec must be a mapping (datasets:, or name/count/fields)`);
  const missingEnv: MissingEnv[] = [];
  const policy = opts.farmPolicy;
  let env = opts.env ?? process.env;
  if (policy) {
    checkSubmittedRefs(raw, policy);
    env = Object.fromEntries(Object.entries(env).filter(([k]) => !policy.secrets.has(k)));
  }
  const interpolated = interpolateEnv(raw, env, '', missingEnv) as Record<string, unknown>;
  const normalized = normalize(interpolated, source, opts.overrides ?? {});
  const parsed = SpecSchema.safeParse(normalized);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const described = describeIssue(issue, normalized);
    const { rule } = described;
    // The list form of stages is parsed as `steps`: name the path as the user wrote it.
    const path = Array.isArray((interpolated as { stages?: unknown }).stages) ? described.path.replace(/^stages\.steps\[/, 'stages[') : described.path;
    // A value that is wrong because its ${VAR} is unset: say that, not what the empty value breaks.
    const unset = missingEnv.find((m) => path === m.path || path.startsWith(`${m.path}.`) || path.startsWith(`${m.path}[`));
    if (unset) throw new SpecError(unset.path, `environment variable ${unset.name} is not set (write \${${unset.name}:-default} to give a default)`);
    throw new SpecError(path, rule + (path === 'datasets[0].name' && isOneDataset(interpolated) && !('name' in interpolated) ? ` (a spec without name: is named after its file, ${basename(source)}; add name: to it)` : ''));
  }
  const spec = parsed.data;
  if (opts.overrides?.seed !== undefined) spec.seed = opts.overrides.seed;
  if (opts.overrides?.outDir !== undefined) spec.output.dir = opts.overrides.outDir;
  checkSpecLimits(spec, opts.limits ?? currentSpecLimits());
  checkSpec(spec);
  const secretRefs = apiKeyRefs(raw);
  if (policy) checkSubmittedSpec(spec, secretRefs, policy);
  return { spec, sha256: hash, source, missingEnv, secretRefs };
}

/** Moves a one-dataset spec's top-level name/count/fields into `datasets: [...]`; applies overrides. */
function normalize(raw: Record<string, unknown>, source: string, o: SpecOverrides): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const single = isOneDataset(raw);
  if (single) {
    const ds: Record<string, unknown> = { name: basename(source, extname(source)).replace(/[^A-Za-z0-9_-]/g, '_') || 'dataset' };
    for (const k of SINGLE_KEYS) {
      if (k in raw) ds[k] = raw[k];
      delete out[k];
    }
    out.datasets = [ds];
  }
  if (o.count !== undefined || o.batchSize !== undefined) {
    const datasets = out.datasets;
    if (!Array.isArray(datasets) || datasets.length !== 1) {
      throw new UsageError('--count and --batch-size apply to a one-dataset spec; this spec has ' + (Array.isArray(datasets) ? `${datasets.length} datasets` : 'no datasets'));
    }
    const ds = { ...(datasets[0] as Record<string, unknown>) };
    if (o.count !== undefined) ds.count = o.count;
    if (o.batchSize !== undefined) ds.batchSize = o.batchSize;
    out.datasets = [ds];
  }
  if (o.scale !== undefined) {
    if (!(o.scale > 0) || !Number.isFinite(o.scale)) throw new UsageError(`--scale must be a number > 0, got ${o.scale}`);
    const datasets = out.datasets;
    // A count that is not a number is left to the schema, which names it.
    if (Array.isArray(datasets)) out.datasets = datasets.map((d) => (d && typeof d === 'object' && typeof (d as { count?: unknown }).count === 'number' ? { ...d, count: Math.max(1, Math.round((d as { count: number }).count * o.scale!)) } : d));
  }
  return out;
}

function isOneDataset(raw: Record<string, unknown>): boolean {
  return !('datasets' in raw) && SINGLE_KEYS.some((k) => k in raw);
}

function apiKeyRefs(raw: object): Record<string, string> {
  const backends = (raw as { backends?: Record<string, { apiKey?: unknown }> }).backends;
  const out: Record<string, string> = {};
  for (const [name, b] of Object.entries(backends ?? {})) if (b && typeof b.apiKey === 'string') out[name] = b.apiKey;
  return out;
}
