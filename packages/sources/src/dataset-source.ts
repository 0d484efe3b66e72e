import { resolve, sep } from 'node:path';
import { SourceError } from '@synthfarm/core/errors';
import type { DatasetSpec, Spec } from '@synthfarm/spec';
import { createCsvSource } from './csv-source.js';
import { createJsonlSource } from './jsonl-source.js';
import { createPostgresSource } from './postgres-source.js';
import type { Source } from './source.js';

/**
 * The legacy source a transform dataset reads (DESIGN §9): a table or query of a `url` source, or
 * a csv / jsonl file inside a `dir` source (a path that leaves the directory is refused).
 * Opening reads nothing; {@link checkDatasetSource} does.
 */
export function openDatasetSource(spec: Spec, ds: DatasetSpec): Source {
  const s = ds.source!;
  const src = spec.sources[s.from];
  if (!src) throw new SourceError(`[dataset ${ds.name}] names source '${s.from}', which the spec does not define`);
  if (src.database && !src.url) throw new SourceError(`[source ${s.from}] names database '${src.database}': only a farm resolves database names (its operator's list); give url: instead`);
  if (src.url) return createPostgresSource({ url: src.url, ...(s.table ? { table: s.table } : { query: s.query! }), key: s.key, name: ds.name });
  const dir = resolve(src.dir!);
  const file = resolve(dir, s.csv ?? s.jsonl!);
  if (!file.startsWith(dir + sep)) throw new SourceError(`[source ${s.from}] ${s.csv ?? s.jsonl} is outside the source directory ${src.dir}`);
  return s.csv ? createCsvSource(file, { name: ds.name }) : createJsonlSource(file, { name: ds.name });
}

/**
 * Reads what a run needs before it writes anything: the source's columns (the key and every
 * column a field names must exist) and its row count. Throws SourceError (exit 2) naming the source.
 */
export async function checkDatasetSource(source: Source, ds: DatasetSpec): Promise<number> {
  const columns = new Set((await source.columns()).map((c) => c.name));
  const wanted = [ds.source!.key, ...Object.values(ds.fields ?? {}).flatMap((f) => ('column' in f && typeof f.column === 'string' ? [f.column] : []))];
  const missing = wanted.filter((c) => !columns.has(c));
  if (missing.length) throw new SourceError(`${source.label} has no column ${missing.join(', ')} (dataset ${ds.name}; found: ${[...columns].join(', ')})`);
  const n = await source.count();
  return ds.source!.limit !== undefined ? Math.min(n, ds.source!.limit) : n;
}
