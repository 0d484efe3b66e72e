import { z } from 'zod';
import { BudgetsSchema } from './budgets-schema.js';
import { FieldsSchema, type FieldSpec } from './field-schema.js';
import { httpUrl } from './http-url.js';
import { StagesSchema } from './stages-schema.js';
import { DatasetSourceSchema, PostgresSinkSchema, PrivacySchema, SpecSourceSchema } from './source-schema.js';

const positiveInt = z.number().int('must be an integer').gt(0, 'must be > 0');
const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'names are letters, digits, _ and - and start with a letter');

/**
 * An LLMockApi-style JSON skeleton: `"string"`, `0`, `true`, `"ISO-8601"`, `"a|b|c"`, nested
 * objects and `[{...}]` arrays. Every field of a shape is written by the model.
 */
export type ShapeNode = string | number | boolean | null | ShapeNode[] | { [key: string]: ShapeNode };
export const ShapeSchema: z.ZodType<ShapeNode> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(ShapeSchema), z.record(z.string(), ShapeSchema)]),
);

/**
 * Names of the run's own output files (DESIGN §5): a dataset so named would overwrite them
 * (`rejects.jsonl`). Compared without case, for case-insensitive file systems.
 */
export const RESERVED_DATASET_NAMES = ['manifest', 'rejects', 'events', 'decisions', 'lineage', 'report'] as const;
const datasetName = name.refine((n) => !(RESERVED_DATASET_NAMES as readonly string[]).includes(n.toLowerCase()), {
  error: (i) => `'${String(i.input)}' is reserved for the run's own files (reserved: ${RESERVED_DATASET_NAMES.join(', ')}); choose another dataset name`,
});

/** Where a dataset's perParent ref is (`fields.customerId.perParent`), if it has one. */
function perParentPath(fields: Record<string, FieldSpec> | undefined, prefix = 'fields'): string | undefined {
  for (const [k, f] of Object.entries(fields ?? {})) {
    if (f.kind === 'ref' && f.perParent) return `${prefix}.${k}.perParent`;
    if (f.kind === 'object') {
      const inner = perParentPath(f.fields, `${prefix}.${k}.fields`);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** One dataset of a spec. */
export const DatasetSchema = z
  .strictObject({
    name: datasetName,
    /** Records requested; a source dataset's count is its source's row count (or `source.limit`). */
    count: positiveInt.optional().describe('records requested'),
    source: DatasetSourceSchema.optional().describe('legacy rows this dataset transforms'),
    batchSize: positiveInt.max(100_000, 'must be <= 100000').default(250).describe('records per batch job'),
    /** Records per model call in fast-generate; defaults to the whole batch, capped at 50. */
    recordsPerCall: positiveInt.max(500, 'must be <= 500').optional().describe('records per model call'),
    /**
     * Regenerate rejected records until `count` are written: record indices count, count+1, …
     * from the same generator, at most `count` of them. Default false (rejects leave the dataset short).
     */
    refill: z.boolean().default(false).describe('regenerate rejected records until count are written'),
    fields: FieldsSchema.optional(),
    shape: z.record(z.string(), ShapeSchema).optional(),
  })
  .superRefine((d, ctx) => {
    if (!d.fields === !d.shape) ctx.addIssue({ code: 'custom', message: 'needs exactly one of fields or shape' });
    const perParent = perParentPath(d.fields);
    if (d.count !== undefined && perParent) ctx.addIssue({ code: 'custom', path: ['count'], message: `must not be given with ${perParent}: the count is derived from the parents (the sum of their children); remove one` });
    if (d.count === undefined && !d.source && !perParent) ctx.addIssue({ code: 'custom', path: ['count'], message: 'is required (unless the dataset has a source or a ref with perParent)' });
    if (d.source && d.shape) ctx.addIssue({ code: 'custom', path: ['source'], message: 'a source dataset needs fields, not shape' });
    if (d.refill && d.source) ctx.addIssue({ code: 'custom', path: ['refill'], message: 'a source dataset transforms its legacy rows, one record each: there is nothing to refill from' });
    if (d.refill && perParent) ctx.addIssue({ code: 'custom', path: ['refill'], message: `does not apply with ${perParent}: a refilled child would have no parent` });
  })
  // A source dataset's count is filled in when its source is opened (resolveSourceCounts); a
  // perParent dataset's when the spec is loaded (resolveChildCounts).
  .transform((d) => ({ ...d, count: d.count ?? d.source?.limit ?? 0 }));
export type DatasetSpec = z.infer<typeof DatasetSchema>;

export const BackendSchema = z
  .strictObject({
    provider: z.enum(['ollama', 'openai']),
    model: z.string().min(1, 'must name a model'),
    /** Ollama hosts, balanced by free slots. Embedded mode only; in farm mode workers bring hosts. */
    hosts: z.array(httpUrl('http://localhost:11434')).min(1).optional(),
    /** OpenAI-compatible base URL, e.g. `https://api.openai.com/v1` or a vLLM server. */
    baseUrl: httpUrl('http://localhost:8000/v1').optional(),
    /** API key; only ever given as `${ENV_VAR}` and never printed, logged or written. */
    apiKey: z.string().optional(),
    slots: positiveInt.max(256).default(4).describe('parallel requests per host'),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: positiveInt.optional().describe('output token cap per call'),
    numCtx: positiveInt.max(1_048_576).optional().describe("ollama: context window per call (num_ctx); default sized from each call's prompt and output budget"),
    timeoutMs: positiveInt.default(600_000).describe('per call, in milliseconds'),
    costPer1kInput: z.number().min(0).default(0).describe('USD per 1000 input tokens'),
    costPer1kOutput: z.number().min(0).default(0).describe('USD per 1000 output tokens'),
    rpm: positiveInt.optional().describe('requests per minute'),
    tpm: positiveInt.optional().describe('tokens per minute'),
    maxRetries: z.number().int().min(0).max(20).default(4),
    /**
     * Capability tier (1 = smallest, cheapest); a routing policy sends a field of complexity k to
     * a backend of tier >= k. Default: ranked by price among the spec's backends.
     */
    tier: z.number().int().min(1).max(9).optional().describe('capability tier, 1 = cheapest'),
  })
  .superRefine((b, ctx) => {
    if (b.provider === 'openai' && !b.baseUrl && !b.hosts) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'an openai backend needs baseUrl' });
  });
export type BackendSpec = z.infer<typeof BackendSchema>;

/** File formats a dataset can be written in. */
export const OUTPUT_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const OutputSchema = z
  .strictObject({
    formats: z.array(z.enum(OUTPUT_FORMATS)).min(1).default(['csv', 'jsonl']).describe('files written per dataset: csv, jsonl, parquet'),
    dir: z.string().min(1).default('out'),
    /**
     * Each dataset's files written as numbered parts of at most `rows` records each
     * (`customers.part-00001.csv`, ...); a CSV part repeats the header. Default: one file.
     */
    split: z.strictObject({ rows: positiveInt.describe('records per part') }).optional(),
    /** CSV and JSONL written gzip-compressed (`.csv.gz`, `.jsonl.gz`); Parquet compresses itself. */
    gzip: z.boolean().default(false),
    /** Parquet files: records per row group (what a writer holds in memory before writing it). */
    parquet: z.strictObject({ rowGroupRows: positiveInt.max(1_000_000, 'must be <= 1000000').default(10_000).describe('records per row group') }).prefault({}),
    /** Prefix cells starting with = + - @ (and tab/CR) so spreadsheets do not run them. */
    escapeFormulas: z.boolean().default(true),
    /** Write lineage.jsonl: each output row's dataset, row number and source key. */
    lineage: z.boolean().default(false),
    postgres: PostgresSinkSchema.optional().describe('also load the rows into PostgreSQL'),
  })
  .prefault({});

/** A whole spec in its canonical multi-dataset form. */
export const SpecSchema = z.strictObject({
  version: z.literal(1, 'must be 1').default(1),
  // zod's int() also refuses unsafe integers: a YAML/JSON number past 2^53-1 is already rounded when parsed.
  seed: z.number().int(`must be an integer from 0 to ${Number.MAX_SAFE_INTEGER} (larger seeds are rounded when read)`).min(0, 'must be >= 0').default(42),
  datasets: z.array(DatasetSchema).min(1, 'must list at least one dataset'),
  stages: StagesSchema,
  backends: z.record(name, BackendSchema).default({}),
  output: OutputSchema,
  sources: z.record(name, SpecSourceSchema).default({}),
  privacy: PrivacySchema,
  budgets: BudgetsSchema,
});
export type Spec = z.infer<typeof SpecSchema>;
