import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

/** sha256 (hex) of a file. */
export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Records of a JSONL file. */
export async function readJsonl<T = Record<string, unknown>>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as T);
}

/** Rows of a CSV file with a header row, as objects of cells. */
export async function readCsv(path: string): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  const text = await readFile(path, 'utf8');
  const [header, ...rest] = parse(text) as string[][];
  return { header: header!, rows: rest.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))) };
}

/** Files of a run that hold its id or times, not data: excluded from byte comparisons. */
const RUN_RECORD_FILES = new Set(['manifest.json', 'events.jsonl', 'report.html', 'report-data.json']);

/** sha256 of every data file of an output directory (the manifest, events and report excluded: they hold times). */
export async function outputHashes(dir: string): Promise<Record<string, string>> {
  const files = (await readdir(dir)).filter((f) => !RUN_RECORD_FILES.has(f)).sort();
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await sha256File(join(dir, f))] as const)));
}
