import { join } from 'node:path';
import { SpecError } from '@synthfarm/core';
import { checkDatabase, checkDataPath, type FarmPolicy } from './farm-policy.js';
import type { Spec } from './spec-schema.js';

/**
 * The farm policy over a submitted spec's legacy sources and PostgreSQL sink (DESIGN §9, §11): a
 * database is named (`database: NAME`, one the operator configured), never given as a URL; a
 * directory and every file read from it lie under the farm's data roots (symlinks and `..`
 * followed first). Rewrites the spec in place to what is checked: the operator's URL for a
 * database name, the real path of a directory. Throws SpecError naming the path.
 */
export async function checkSubmittedSources(spec: Spec, policy: FarmPolicy): Promise<void> {
  for (const [name, src] of Object.entries(spec.sources)) {
    const path = `sources.${name}`;
    if (src.url) throw new SpecError(`${path}.url`, 'a submitted spec names a database the operator configured (database: NAME), never a URL');
    if (src.database) src.url = checkDatabase(policy, src.database, `${path}.database`);
    if (src.dir) {
      const dir = src.dir;
      src.dir = await checkDataPath(policy, dir, `${path}.dir`);
      for (const [d, ds] of spec.datasets.entries()) {
        const file = ds.source?.from === name ? (ds.source.csv ?? ds.source.jsonl) : undefined;
        if (file) await checkDataPath(policy, join(src.dir, file), `datasets[${d}].source.${ds.source!.csv ? 'csv' : 'jsonl'}`);
      }
    }
  }
  const pg = spec.output.postgres;
  if (pg?.url) throw new SpecError('output.postgres.url', 'a submitted spec names a database the operator configured (database: NAME), never a URL');
  if (pg?.database) pg.url = checkDatabase(policy, pg.database, 'output.postgres.database');
}
