import { z } from 'zod';

/**
 * Legacy sources of a transform spec (DESIGN §9): a PostgreSQL database (`url`) or a directory of
 * CSV / JSONL files (`dir`). Datasets name one with `source.from`.
 */
export const SpecSourceSchema = z
  .strictObject({
    url: z.string().regex(/^postgres(ql)?:\/\//i, 'must be a postgres:// URL').optional().describe('a PostgreSQL database'),
    dir: z.string().min(1).optional().describe('a directory of .csv / .jsonl files'),
    /** A database the farm operator named (a submitted spec names one, never gives a URL). */
    database: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'database names are letters, digits, _ and -').optional(),
  })
  .superRefine((s, ctx) => {
    if ([s.url, s.dir, s.database].filter((x) => x !== undefined).length !== 1) ctx.addIssue({ code: 'custom', message: 'needs exactly one of url, dir or database' });
  });
export type SpecSource = z.infer<typeof SpecSourceSchema>;

/** What a dataset reads: one table, query or file of a named source, keyed by `key`. */
export const DatasetSourceSchema = z
  .strictObject({
    from: z.string().min(1, 'must name a source of the spec'),
    table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'must be a table name').optional(),
    query: z.string().min(1).optional(),
    csv: z.string().min(1).optional().describe('a .csv file inside the source dir'),
    jsonl: z.string().min(1).optional().describe('a .jsonl file inside the source dir'),
    key: z.string().min(1, 'must name the source key column'),
    limit: z.number().int().gt(0, 'must be > 0').optional(),
    onDuplicate: z.enum(['reject', 'first', 'last']).default('reject').describe('rows whose key was seen before'),
  })
  .superRefine((s, ctx) => {
    const n = [s.table, s.query, s.csv, s.jsonl].filter((x) => x !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'needs exactly one of table, query, csv or jsonl' });
  });
export type DatasetSource = z.infer<typeof DatasetSourceSchema>;

/** Where a transform run also loads its rows (DESIGN §9). */
export const PostgresSinkSchema = z.strictObject({
  url: z.string().regex(/^postgres(ql)?:\/\//i, 'must be a postgres:// URL').optional(),
  /** A database the farm operator named, instead of `url` (submitted specs). */
  database: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'database names are letters, digits, _ and -').optional(),
  mode: z.enum(['insert', 'upsert', 'replace']).default('upsert'),
  schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a schema name').optional(),
}).refine((p) => !p.url !== !p.database, 'needs exactly one of url or database');
export type PostgresSink = z.infer<typeof PostgresSinkSchema>;

/** What legacy values may leave the run: to remote backends, into rejects and reports. */
export const PrivacySchema = z
  .strictObject({
    remote: z.boolean().default(false).describe('legacy text may go to remote (non-loopback) backends'),
    keepValues: z.boolean().default(false).describe('rejects and reports may hold source values, not only keys'),
  })
  .prefault({});
