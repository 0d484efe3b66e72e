import { UsageError } from '@synthfarm/core';
import { renderReportFromDir, ReportInputError } from '@synthfarm/report';

/**
 * `synthfarm report OUTDIR`: draws OUTDIR/report.html again from the run's manifest.json,
 * report-data.json and events.jsonl (no data file is read). Exit 2 when OUTDIR holds no run.
 */
export async function reportCommand(outDir: string): Promise<void> {
  try {
    const path = await renderReportFromDir(outDir);
    process.stdout.write(`${path}\n`);
  } catch (err) {
    if (err instanceof ReportInputError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}
