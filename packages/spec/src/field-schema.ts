import { z } from 'zod';
import { clip } from './spec-limits.js';

/**
 * Field kinds of a dataset spec (DESIGN §2). Code kinds are generated deterministically from
 * (seed, dataset, field, record index); `llm` fields are written by a model.
 */

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const probability = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

/** Options every kind accepts. */
const common = {
  /** Fraction of records whose value is null, 0..1. Default 0. */
  nullRate: probability.optional().describe('fraction of records that are null, 0..1'),
  /** Values must be distinct over the whole dataset (nulls excepted). */
  unique: z.boolean().optional().describe('distinct over the whole dataset'),
  /** A helper: generated (templates, prompts, correlations may use it) but written to no output. */
  hidden: z.boolean().optional().describe('generated for other fields to use, not written'),
};

/** Partners one field may `correlate` with: its draw solves a system of this size. */
export const MAX_CORRELATE_PARTNERS = 8;

const correlation = z.strictObject({
  with: z.string().min(1, 'must name a numeric field of the same dataset'),
  r: z.number().gt(-1, 'must be between -1 and 1 (exclusive)').lt(1, 'must be between -1 and 1 (exclusive)'),
});

/** Options every numeric kind accepts: clamping, integer rounding, decimals, correlation. */
const numeric = {
  ...common,
  min: finite.optional().describe('clamp below'),
  max: finite.optional().describe('clamp above'),
  integer: z.boolean().optional().describe('round to the nearest integer'),
  round: z.number().int('must be an integer').min(0, 'must be >= 0').max(15, 'must be <= 15').optional().describe('decimal places'),
  correlate: z
    .union([correlation, z.array(correlation).min(1, 'must name at least one field').max(MAX_CORRELATE_PARTNERS, `at most ${MAX_CORRELATE_PARTNERS} partners`)])
    .optional()
    .describe('Gaussian-copula correlation with another numeric field (Pearson r for normal fields), or a list of them: each holds at once'),
};

const dateValue = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: `must be an ISO-8601 date, got '${clip(String(v))}'` });
    return z.NEVER;
  }
  return d.toISOString();
});

export const SequenceField = z.strictObject({ kind: z.literal('sequence'), start: z.number().int('must be an integer').default(1), step: z.number().int('must be an integer').refine((n) => n !== 0, 'must not be 0').default(1), ...common });
export const UuidField = z.strictObject({ kind: z.literal('uuid'), ...common });
export const FakerField = z.strictObject({
  kind: z.literal('faker'),
  method: z.string().regex(/^[a-zA-Z]+(\.[a-zA-Z]+)+$/, "must be a faker method path like 'person.firstName'"),
  args: z.array(z.unknown()).optional().describe('arguments passed to the faker method'),
  locale: z.string().optional().describe("faker locale, e.g. 'de' or 'fr_CA'; default 'en'"),
  ...common,
});
export const TemplateField = z.strictObject({
  kind: z.literal('template'),
  template: z.string().min(1, 'must not be empty'),
  lower: z.boolean().optional(),
  upper: z.boolean().optional(),
  ...common,
});
export const UniformField = z.strictObject({ kind: z.literal('uniform'), ...numeric, min: finite, max: finite });
export const NormalField = z.strictObject({ kind: z.literal('normal'), mean: finite, sd: z.number().gt(0, 'must be > 0'), ...numeric });
export const LognormalField = z.strictObject({ kind: z.literal('lognormal'), mu: finite, sigma: z.number().gt(0, 'must be > 0'), ...numeric });
export const ExponentialField = z.strictObject({ kind: z.literal('exponential'), rate: z.number().gt(0, 'must be > 0'), ...numeric });
export const PoissonField = z.strictObject({ kind: z.literal('poisson'), lambda: z.number().gt(0, 'must be > 0').max(1e6, 'must be <= 1000000'), ...numeric });
export const BoolField = z.strictObject({ kind: z.literal('bool'), p: probability.default(0.5), ...common });
export const ChoiceField = z
  .strictObject({
    kind: z.literal('choice'),
    values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1, 'must list at least one value').optional(),
    weights: z.record(z.string(), z.number().min(0, 'must be >= 0')).optional(),
    ...common,
  })
  .superRefine((f, ctx) => {
    if (!f.values === !f.weights) ctx.addIssue({ code: 'custom', message: 'needs exactly one of values or weights' });
    if (f.weights) {
      const total = Object.values(f.weights).reduce((a, b) => a + b, 0);
      if (Object.keys(f.weights).length === 0) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'must list at least one value' });
      else if (!(total > 0)) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'must add up to more than 0' });
    }
  });
/** `dataset.field` of an earlier dataset (`after: customers.signedUp`). */
const datasetField = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, "must be 'dataset.field'");
/**
 * The child's value falls on or after its parent's value of this date/datetime field: the parent
 * being the row the dataset's `perParent` ref belongs to.
 */
const after = datasetField.optional().describe("on or after the parent row's value of this field ('dataset.field'); needs a perParent ref to that dataset");

const weightList = (n: number, what: string) =>
  z
    .array(finite.min(0, 'must be >= 0'))
    .length(n, `must list ${n} weights (${what})`)
    .refine((ws) => ws.some((w) => w > 0), 'must have at least one weight > 0');
/**
 * Traffic shape of a datetime: relative weights by local hour of day, day of week and month,
 * multiplied together. Each list is optional (left out: flat).
 */
export const TrafficWeights = z
  .strictObject({
    hour: weightList(24, 'hours 0..23 of the local day').optional(),
    weekday: weightList(7, 'Monday first, Sunday last').optional(),
    month: weightList(12, 'January first').optional(),
  })
  .refine((w) => w.hour || w.weekday || w.month, 'must give at least one of hour, weekday, month');

/** True for a time zone name this runtime knows (IANA: `Europe/Berlin`, `America/New_York`, `UTC`). */
export function isTimeZone(tz: string): boolean {
  let known = zones.get(tz);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      known = true;
    } catch {
      known = false;
    }
    if (zones.size > 1000) zones.clear();
    zones.set(tz, known);
  }
  return known;
}
/** Answers of isTimeZone: building an Intl formatter costs about a millisecond. */
const zones = new Map<string, boolean>();
const timeZone = z.string().refine(isTimeZone, { error: (i) => `unknown time zone '${clip(String(i.input))}' (an IANA name such as Europe/Berlin, America/New_York or UTC)` });

export const DateField = z.strictObject({ kind: z.literal('date'), from: dateValue, to: dateValue, after, ...common });
export const DatetimeField = z.strictObject({
  kind: z.literal('datetime'),
  from: dateValue,
  to: dateValue,
  weights: TrafficWeights.optional().describe('relative weights by local hour of day (24), day of week (7, Monday first) and month (12)'),
  tz: timeZone.optional().describe('IANA time zone: values are written with its offset, and weights apply to its local time'),
  after,
  ...common,
});
/**
 * A distribution observed in real data (`synthfarm profile` writes it): either `quantiles`
 * (numbers, or ISO dates / datetimes, ascending; sampled by inverse CDF with linear interpolation
 * between neighbouring quantiles) or `weights` (observed values with their relative frequency).
 */
export const EmpiricalField = z
  .strictObject({
    kind: z.literal('empirical'),
    quantiles: z.array(z.union([finite, z.string()])).min(2, 'must list at least 2 quantiles (the minimum and the maximum)').max(1001, 'must list at most 1001 quantiles').optional()
      .describe('equally spaced quantiles, minimum first and maximum last: numbers, or ISO-8601 dates/datetimes'),
    weights: z.record(z.string(), z.number().min(0, 'must be >= 0')).optional().describe('observed values and their relative frequencies'),
    type: z.enum(['string', 'number', 'boolean']).optional().describe("how weights' keys are written: 'string' (default), 'number' or 'boolean'"),
    ...numeric,
  })
  .superRefine((f, ctx) => {
    if (!f.quantiles === !f.weights) ctx.addIssue({ code: 'custom', message: 'needs exactly one of quantiles or weights' });
    if (f.weights) {
      const keys = Object.keys(f.weights);
      if (keys.length === 0) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'must list at least one value' });
      else if (!(Object.values(f.weights).reduce((a, b) => a + b, 0) > 0)) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'must add up to more than 0' });
      if (f.type === 'number') for (const k of keys) if (!Number.isFinite(Number(k)) || k.trim() === '') ctx.addIssue({ code: 'custom', path: ['weights', k], message: "is not a number (type: number)" });
      if (f.type === 'boolean') for (const k of keys) if (k !== 'true' && k !== 'false') ctx.addIssue({ code: 'custom', path: ['weights', k], message: "must be true or false (type: boolean)" });
      if (f.correlate) ctx.addIssue({ code: 'custom', path: ['correlate'], message: 'correlate needs quantiles, not weights' });
    }
    const q = f.quantiles;
    if (q) {
      const numbers = q.every((v) => typeof v === 'number');
      const dates = q.every((v) => typeof v === 'string');
      if (!numbers && !dates) { ctx.addIssue({ code: 'custom', path: ['quantiles'], message: 'must be all numbers or all ISO-8601 dates' }); return; }
      const xs = numbers ? (q as number[]) : (q as string[]).map((v) => Date.parse(v));
      xs.forEach((x, i) => {
        if (Number.isNaN(x)) ctx.addIssue({ code: 'custom', path: ['quantiles', i], message: `must be an ISO-8601 date, got '${clip(String(q[i]))}'` });
        else if (i > 0 && x < xs[i - 1]!) ctx.addIssue({ code: 'custom', path: ['quantiles', i], message: 'quantiles must be in ascending order' });
      });
      if (dates && f.correlate) ctx.addIssue({ code: 'custom', path: ['correlate'], message: 'correlate needs numeric quantiles, not dates' });
    }
  });
/** A legacy column, mapped and parsed (transform datasets, DESIGN §9). */
export const FromField = z.strictObject({
  kind: z.literal('from'),
  column: z.string().min(1, 'must name a source column'),
  map: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional().describe('legacy value → new value'),
  parse: z
    .union([
      z.literal('trim'),
      z.strictObject({ date: z.array(z.string().min(1)).min(1, 'must list at least one format') }),
      z.strictObject({ number: z.strictObject({ thousands: z.string().max(1).default(','), decimal: z.string().length(1).default('.') }).prefault({}) }),
    ])
    .optional(),
  references: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_]*$/, "must be 'dataset.field'").optional().describe('a foreign key to an earlier dataset\'s key field (PostgreSQL sink)'),
  ...common,
});
/** A fake picked by a keyed hash of a legacy value: the same value gives the same fake in every table and run. */
export const PseudonymField = z.strictObject({
  kind: z.literal('pseudonym'),
  column: z.string().min(1, 'must name a source column'),
  method: z.string().regex(/^[a-zA-Z]+(\.[a-zA-Z]+)+$/, "must be a faker method path like 'person.fullName'"),
  locale: z.string().optional(),
  references: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_]*$/, "must be 'dataset.field'").optional().describe('a foreign key to an earlier dataset\'s key field (PostgreSQL sink)'),
  ...common,
});
const childCount = z.number().int('must be an integer').min(0, 'must be >= 0').max(1_000_000, 'must be <= 1000000');
/** Optional on every perParent kind: exactly this share of parents has no children; the others draw from the distribution with 0 left out. */
const zeroRate = probability.optional().describe('share of parents with no children; the others draw at least 1');
/**
 * How many children each parent row gets. The child dataset's count is the sum over its
 * parents, drawn from the seed when the spec is loaded; children of a parent are contiguous.
 */
export const PerParent = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('poisson'), lambda: z.number().gt(0, 'must be > 0').max(10_000, 'must be <= 10000'), max: childCount.optional().describe('cap per parent'), zeroRate }),
  z.strictObject({ kind: z.literal('uniform'), min: childCount, max: childCount, zeroRate }).refine((u) => u.min <= u.max, { message: 'min must be <= max', path: ['min'] }),
  z
    .strictObject({ kind: z.literal('choice'), weights: z.record(z.string().regex(/^\d+$/, 'keys are child counts (0, 1, 2, ...)'), z.number().min(0, 'must be >= 0')), zeroRate })
    .superRefine((c, ctx) => {
      const entries = Object.entries(c.weights);
      if (entries.length === 0 || !(entries.reduce((n, [, w]) => n + w, 0) > 0)) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'must list at least one count with weight > 0' });
      for (const [k] of entries) if (Number(k) > 1_000_000) ctx.addIssue({ code: 'custom', path: ['weights', k], message: 'must be <= 1000000' });
    }),
]);
export type PerParentSpec = z.infer<typeof PerParent>;
export const RefField = z.strictObject({
  kind: z.literal('ref'),
  dataset: z.string().min(1),
  field: z.string().min(1),
  perParent: PerParent.optional().describe("children per parent row: the dataset's count is derived from it"),
  ...common,
});
export const LlmField = z.strictObject({
  kind: z.literal('llm'),
  prompt: z.string().min(1, 'must not be empty').describe('instruction; {{field}} inserts a code field of the record'),
  type: z.enum(['string', 'integer', 'number', 'boolean']).default('string'),
  maxLength: z.number().int().positive('must be > 0').optional().describe('maximum characters'),
  minLength: z.number().int().min(0).optional().describe('minimum characters'),
  values: z.array(z.string()).min(1).optional().describe('allowed values (an enum in the schema)'),
  min: finite.optional(),
  max: finite.optional(),
  ...common,
});

/** A field spec as written: one kind plus its parameters. Recursive through object and array. */
export type FieldSpec =
  | z.infer<typeof SequenceField>
  | z.infer<typeof UuidField>
  | z.infer<typeof FakerField>
  | z.infer<typeof TemplateField>
  | z.infer<typeof UniformField>
  | z.infer<typeof NormalField>
  | z.infer<typeof LognormalField>
  | z.infer<typeof ExponentialField>
  | z.infer<typeof PoissonField>
  | z.infer<typeof BoolField>
  | z.infer<typeof ChoiceField>
  | z.infer<typeof DateField>
  | z.infer<typeof DatetimeField>
  | z.infer<typeof EmpiricalField>
  | z.infer<typeof RefField>
  | z.infer<typeof FromField>
  | z.infer<typeof PseudonymField>
  | z.infer<typeof LlmField>
  | ObjectFieldSpec
  | ArrayFieldSpec;

export interface ObjectFieldSpec {
  kind: 'object';
  fields: Record<string, FieldSpec>;
  nullRate?: number | undefined;
  unique?: boolean | undefined;
  hidden?: boolean | undefined;
}
export interface ArrayFieldSpec {
  kind: 'array';
  min: number;
  max: number;
  of: FieldSpec;
  nullRate?: number | undefined;
  unique?: boolean | undefined;
  hidden?: boolean | undefined;
}

export type NumericFieldSpec = Extract<FieldSpec, { kind: 'uniform' | 'normal' | 'lognormal' | 'exponential' | 'poisson' }>;
export type LlmFieldSpec = z.infer<typeof LlmField>;
export type EmpiricalFieldSpec = z.infer<typeof EmpiricalField>;

/** Every kind's name, for error messages. */
export const FIELD_KINDS = [
  'sequence', 'uuid', 'faker', 'template', 'uniform', 'normal', 'lognormal', 'exponential', 'poisson',
  'bool', 'choice', 'date', 'datetime', 'empirical', 'ref', 'llm', 'object', 'array', 'from', 'pseudonym',
] as const;
export const NUMERIC_KINDS = new Set(['uniform', 'normal', 'lognormal', 'exponential', 'poisson', 'empirical']);

const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'field names are letters, digits and _ and start with a letter or _');

export const FieldSchema: z.ZodType<FieldSpec> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    SequenceField, UuidField, FakerField, TemplateField, UniformField, NormalField, LognormalField,
    ExponentialField, PoissonField, BoolField, ChoiceField, DateField, DatetimeField, EmpiricalField, RefField, LlmField,
    FromField, PseudonymField, ObjectField, ArrayField,
  ]),
) as z.ZodType<FieldSpec>;

const ObjectField = z.strictObject({
  kind: z.literal('object'),
  fields: z.record(fieldName, FieldSchema).refine((f) => Object.keys(f).length > 0, 'must have at least one field'),
  ...common,
});
const ArrayField = z
  .strictObject({
    kind: z.literal('array'),
    min: z.number().int('must be an integer').min(0, 'must be >= 0').default(0),
    max: z.number().int('must be an integer').min(0, 'must be >= 0').max(10_000, 'must be <= 10000'),
    of: FieldSchema,
    ...common,
  })
  .refine((a) => a.min <= a.max, { message: 'min must be <= max', path: ['min'] });

/** Fields of a dataset: names to specs, in column order. */
export const FieldsSchema = z.record(fieldName, FieldSchema).refine((f) => Object.keys(f).length > 0, 'must have at least one field');
