import type { DatasetSummary } from './dataset-summary.js';
import type { DatasetPlan } from './column-plan.js';

/** Name of the summary file a run writes beside its manifest; `synthfarm report` renders from it. */
export const REPORT_DATA_FILE = 'report-data.json';
/** Name of the page. */
export const REPORT_FILE = 'report.html';

/** A reject as the report lists it: where it came from and why, never the record's values. */
export interface RejectExample {
  dataset: string;
  index: number;
  error: string;
  attempts?: number;
  /** Transform datasets: the source's name, the row's source key or line (DESIGN §9: keys, not values). */
  source?: string;
  sourceKey?: unknown;
  line?: number;
}

/**
 * report-data.json: what a run gathered for its report while committing (DESIGN §10). With
 * manifest.json and events.jsonl it is all `synthfarm report` needs to draw the page again.
 */
export interface ReportData {
  version: 1;
  runId: string;
  datasets: Array<{ plan: DatasetPlan; summary: DatasetSummary }>;
  /** Per dataset, per reason, the first few rejects. */
  rejectExamples: Record<string, Record<string, RejectExample[]>>;
}
