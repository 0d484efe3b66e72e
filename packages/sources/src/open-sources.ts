import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SourceError } from '@synthfarm/core';
import { createCsvSource } from './csv-source.js';
import { createJsonlSource } from './jsonl-source.js';
import { connectPg, describePgUrl } from './pg-connect.js';
import { createPostgresSource } from './postgres-source.js';
import type { Source } from './source.js';

/** Where a profile or a compare reads: a PostgreSQL database, or files. */
export interface OpenedSources {
  kind: 'postgres' | 'files';
  /** PostgreSQL URL (kind postgres). */
  url?: string;
  sources: Source[];
  close(): Promise<void>;
}

const FILE_EXT = new Set(['.csv', '.tsv', '.txt', '.jsonl', '.ndjson']);

/** True for a `postgres://` / `postgresql://` URL. */
export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/**
 * Opens what a user names as SOURCE: `postgres://...` (every base table outside the system
 * schemas, or `tables`), a `.csv` / `.jsonl` file, or a directory of them. Anything that
 * cannot be read is a {@link SourceError} naming it, before any output is written.
 */
export async function openSources(spec: string, opts: { tables?: string[] } = {}): Promise<OpenedSources> {
  if (isPostgresUrl(spec)) return openDatabase(spec, opts.tables);
  let st;
  try {
    st = await stat(spec);
  } catch {
    throw new SourceError(`[source ${spec}] cannot be read: no such file or directory (give a .csv/.jsonl file, a directory of them, or a postgres:// URL)`);
  }
  let files: string[];
  if (st.isDirectory()) {
    files = (await readdir(spec)).filter((f) => FILE_EXT.has(extname(f).toLowerCase())).sort().map((f) => join(spec, f));
    if (files.length === 0) throw new SourceError(`[source ${spec}] has no .csv or .jsonl files`);
  } else files = [spec];
  let sources = files.map(fileSource);
  if (opts.tables?.length) {
    const missing = opts.tables.filter((t) => !sources.some((s) => s.name === t));
    if (missing.length) throw new SourceError(`[source ${spec}] has no table ${missing.join(', ')} (found: ${sources.map((s) => s.name).join(', ')})`);
    sources = sources.filter((s) => opts.tables!.includes(s.name));
  }
  for (const s of sources) await s.columns(); // unreadable files fail here, before anything is written
  return { kind: 'files', sources, close: async () => {} };
}

function fileSource(path: string): Source {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return createJsonlSource(path);
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return createCsvSource(path, ext === '.tsv' ? { delimiter: '\t' } : {});
  throw new SourceError(`[source ${path}] is not a .csv or .jsonl file`);
}

async function openDatabase(url: string, tables: string[] | undefined): Promise<OpenedSources> {
  const label = `[source:postgres ${describePgUrl(url)}]`;
  const c = await connectPg(url, label);
  let names: string[];
  try {
    const r = await c.query<{ name: string }>(
      `SELECT CASE WHEN table_schema = current_schema() THEN table_name ELSE table_schema || '.' || table_name END AS name
       FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    names = r.rows.map((x) => x.name);
  } finally {
    await c.end().catch(() => {});
  }
  if (tables?.length) {
    const missing = tables.filter((t) => !names.includes(t));
    if (missing.length) throw new SourceError(`${label} has no table ${missing.join(', ')}${names.length ? ` (found: ${names.join(', ')})` : ''}`);
    names = tables;
  }
  if (names.length === 0) throw new SourceError(`${label} has no tables`);
  const sources = names.map((table) => createPostgresSource({ url, table }));
  return { kind: 'postgres', url, sources, close: async () => void (await Promise.all(sources.map((s) => s.close()))) };
}
