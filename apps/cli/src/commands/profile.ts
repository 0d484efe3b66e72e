import { rename, writeFile } from 'node:fs/promises';
import { OutputError } from '@synthfarm/core';
import { profileSource, specFromProfile } from '@synthfarm/sources';
import { parseSpecText } from '@synthfarm/spec';

/**
 * `synthfarm profile SOURCE [--tables a,b] [--out spec.yaml]`: one pass per table, then a spec
 * that reproduces each table. Malformed rows are listed on stderr with their line; an unreadable
 * source is exit 2 before anything is written.
 */
export async function profileCommand(source: string, opts: { tables?: string[]; out?: string }): Promise<void> {
  const tables = await profileSource(source, opts.tables ? { tables: opts.tables } : {});
  for (const t of tables) {
    for (const m of t.malformed.first) process.stderr.write(`${t.label} line ${m.line ?? `row ${m.row}`}: ${m.reason} (row skipped)\n`);
    if (t.malformed.count > t.malformed.first.length) process.stderr.write(`${t.label}: ${t.malformed.count - t.malformed.first.length} more malformed rows\n`);
  }
  const yaml = specFromProfile(tables, source);
  // The spec we write must load: a profile that writes an invalid spec is our bug, caught here.
  parseSpecText(yaml, opts.out ?? 'profile.yaml', { env: {} });
  const summary = tables.map((t) => `${t.name} (${t.rows} rows, ${t.columns.length} columns${t.foreignKeys.length ? `, ${t.foreignKeys.length} foreign key${t.foreignKeys.length > 1 ? 's' : ''}` : ''})`).join(', ');
  if (!opts.out) {
    process.stdout.write(yaml);
    process.stderr.write(`profiled ${summary}\n`);
    return;
  }
  const tmp = `${opts.out}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, yaml);
    await rename(tmp, opts.out);
  } catch (err) {
    throw new OutputError(`cannot write ${opts.out}: ${(err as Error).message}`, { cause: err });
  }
  process.stdout.write(`profiled ${summary} → ${opts.out}\n`);
}
