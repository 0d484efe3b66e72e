import type { DatasetSpec } from '@synthfarm/spec';
import { releaseSummary, summarizeBatch, type BatchSummary } from './batch-summary.js';
import { planDataset, type DatasetPlan } from './column-plan.js';
import { createDatasetAccumulator, type DatasetAccumulator } from './dataset-accumulator.js';
import { emptyTimeline, foldTimeline, type Timeline } from './event-timeline.js';
import type { RejectExample, ReportData } from './report-data.js';

/** Rejects kept as examples per dataset and reason. */
export const REJECT_EXAMPLES = 5;
const MAX_ERROR_CHARS = 300;

/** A text value changed at `path` (a column's dot path): as summarized, and as written. */
export interface TextChange {
  path: string;
  before: string;
  after: string;
}

/** A reject as the committer has it (rejects.jsonl's record). */
export interface RejectInput extends Omit<RejectExample, 'error'> {
  reason: string;
  error: string;
}

/**
 * What a run gathers for its report as it commits (DESIGN §10): the summaries its batches carry,
 * merged in commit order; a few rejects per reason; its events folded into a timeline. Memory is
 * bounded by the spec (columns, caps), not by the records.
 */
export interface ReportCollector {
  readonly plans: DatasetPlan[];
  /**
   * Merges a committed batch's summary. The summary is the collector's from then on: its
   * buffer may be reused for a summary made later in this thread (see releaseSummary).
   */
  addBatch(dataset: number, summary: BatchSummary | undefined): void;
  /**
   * Records the committer redrew after their batch was summarized (a uniqueness collision
   * on a drawn field, in a code-only dataset): what was counted goes out, what is written comes in.
   */
  correctRecords(dataset: number, before: ReadonlyArray<Record<string, unknown>>, after: ReadonlyArray<Record<string, unknown>>): void;
  /**
   * Unique text values the committer suffixed after their batch was summarized (`ann.lee@x.com`
   * became `ann.lee2@x.com`; nothing else of the record changed): their lengths are counted as
   * written. The column's distinct count needs nothing: a unique column is not sketched.
   */
  correctTexts(dataset: number, changes: readonly TextChange[]): void;
  addRejects(rejects: readonly RejectInput[]): void;
  addEvents(events: ReadonlyArray<object>): void;
  /**
   * What report-data.json holds. Without `figures` (a failed run, which publishes no data), no
   * dataset's summary: only the reject examples.
   */
  data(runId: string, opts?: { figures?: boolean }): ReportData;
  timeline(): Timeline;
}

/**
 * @param enrichShares per dataset, its enrich fields' shares of records their stage writes (the
 * spec package's `enrichShares`): their null-rate targets on the page.
 */
export function createReportCollector(datasets: readonly DatasetSpec[], enrichShares: ReadonlyArray<Readonly<Record<string, number>>> = []): ReportCollector {
  const plans = datasets.map((d, i) => planDataset(d, datasets, enrichShares[i]));
  const accs: DatasetAccumulator[] = plans.map((p) => createDatasetAccumulator(p));
  const examples: ReportData['rejectExamples'] = {};
  const timeline = emptyTimeline();
  return {
    plans,
    addBatch(d, summary) {
      const acc = accs[d];
      if (!summary || !acc) return;
      acc.add(summary);
      releaseSummary(summary);
    },
    correctRecords(d, before, after) {
      const acc = accs[d];
      if (!acc || !before.length) return;
      acc.subtract(summarizeBatch(plans[d]!, before));
      acc.add(summarizeBatch(plans[d]!, after));
    },
    correctTexts(d, changes) {
      const acc = accs[d];
      if (!acc) return;
      for (const c of changes) {
        const column = plans[d]!.columns.findIndex((p) => p.path === c.path);
        // A hidden field is not a column; only a text column counts lengths.
        if (column >= 0 && plans[d]!.columns[column]!.type === 'text') acc.replaceText(column, c.before, c.after);
      }
    },
    addRejects(rejects) {
      for (const r of rejects) {
        const list = ((examples[r.dataset] ??= {})[r.reason] ??= []);
        if (list.length >= REJECT_EXAMPLES) continue;
        list.push({
          dataset: r.dataset, index: r.index, error: String(r.error).slice(0, MAX_ERROR_CHARS),
          ...(r.attempts !== undefined ? { attempts: r.attempts } : {}), ...(r.source !== undefined ? { source: r.source } : {}),
          ...(r.sourceKey !== undefined ? { sourceKey: r.sourceKey } : {}), ...(r.line !== undefined ? { line: r.line } : {}),
        });
      }
    },
    addEvents(events) {
      for (const e of events) foldTimeline(timeline, e as Record<string, unknown>);
    },
    data(runId, opts) {
      const datasets = opts?.figures === false ? [] : plans.map((plan, d) => ({ plan, summary: accs[d]!.summary() }));
      return { version: 1, runId, datasets, rejectExamples: examples };
    },
    timeline: () => timeline,
  };
}
