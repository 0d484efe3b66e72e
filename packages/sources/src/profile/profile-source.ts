import { openSources } from '../open-sources.js';
import { inferFileForeignKeys } from './infer-foreign-keys.js';
import { profilePostgres } from './profile-postgres.js';
import { profileSketched } from './profile-sketched.js';
import type { TableStats } from './table-stats.js';

/**
 * Profiles SOURCE (`postgres://...`, a .csv/.jsonl file, or a directory of them): one pass per
 * table, memory flat in row count. A source that cannot be read is a SourceError (exit 2).
 */
export async function profileSource(source: string, opts: { tables?: string[] } = {}): Promise<TableStats[]> {
  const opened = await openSources(source, opts);
  try {
    if (opened.kind === 'postgres') {
      const names = opened.sources.map((s) => s.label.replace(/^.* table (.*)\]$/, '$1'));
      return await profilePostgres(opened.url!, names);
    }
    const tables: TableStats[] = [];
    for (const s of opened.sources) tables.push(await profileSketched(s));
    inferFileForeignKeys(tables);
    return tables;
  } finally {
    await opened.close();
  }
}
