import { createReadStream } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { emptyTimeline, foldTimeline, type Timeline } from './event-timeline.js';
import { renderReport } from './render-report.js';
import { REPORT_DATA_FILE, REPORT_FILE, type ReportData } from './report-data.js';

/** A report that cannot be drawn: the output directory lacks what it needs (exit 2). */
export class ReportInputError extends Error {
  readonly code = 'REPORT_INPUT';
}

/** Folds an events.jsonl file into a timeline, line by line (memory flat in its length); none when absent. */
async function foldEventsFile(path: string): Promise<Timeline> {
  const t = emptyTimeline();
  let input;
  try {
    input = createReadStream(path, { encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => input!.once('open', () => resolve()).once('error', reject));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return t;
    throw err;
  }
  let n = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (!line) continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      throw new ReportInputError(`[report] ${path} line ${n}: not JSON`);
    }
    if (e && typeof e === 'object') foldTimeline(t, e as Record<string, unknown>);
  }
  return t;
}

/**
 * `synthfarm report OUTDIR`: draws OUTDIR/report.html again from the files a run left there —
 * manifest.json, report-data.json (the summaries gathered while committing) and events.jsonl —
 * without reading a data file. Returns the page's path.
 * @throws ReportInputError when OUTDIR has no readable manifest.json.
 */
export async function renderReportFromDir(dir: string): Promise<string> {
  const manifestPath = join(dir, 'manifest.json');
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no manifest.json (is it the output directory of a finished run?)' : `manifest.json is not readable JSON (${(err as Error).message})`;
    throw new ReportInputError(`[report] ${dir}: ${why}`);
  }
  if (!manifest || typeof manifest !== 'object' || typeof manifest.runId !== 'string' || !manifest.datasets) throw new ReportInputError(`[report] ${manifestPath}: not a synthfarm manifest`);
  let data: ReportData | undefined;
  try {
    data = JSON.parse(await readFile(join(dir, REPORT_DATA_FILE), 'utf8')) as ReportData;
    if (data.runId !== manifest.runId) data = undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ReportInputError(`[report] ${join(dir, REPORT_DATA_FILE)}: not readable JSON`);
  }
  const eventsPath = typeof (manifest.events as { path?: unknown } | undefined)?.path === 'string' ? join(dir, (manifest.events as { path: string }).path) : join(dir, 'events.jsonl');
  const page = renderReport({ manifest, data, timeline: await foldEventsFile(eventsPath) });
  const target = join(dir, REPORT_FILE);
  const tmp = join(dir, `.${REPORT_FILE}.tmp`);
  await writeFile(tmp, page);
  await rename(tmp, target);
  return target;
}
