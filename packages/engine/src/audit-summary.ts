/** Audit results as the manifest shows them: one batch's, or a run's (folded in commit order). */
export interface AuditSummary {
  /** Records sent to the quality backend for enrich/audit. */
  sampled: number;
  /** Sampled records whose enrich fields could not be written (left null). */
  enrichFailures: number;
  audited: number;
  defects: number;
  /** Batches whose defect rate exceeded maxDefectRate and were regenerated on the quality backend. */
  regeneratedBatches: Array<{ dataset: string; batch: number; defectRate: number }>;
  /** Audit calls whose answer could not be read (the batch then kept its records). */
  auditErrors: number;
  /** A few of the problems the auditor named, for a human (at most {@link MAX_SAMPLE_PROBLEMS}). */
  sampleProblems: string[];
}

/** Problems an audit summary keeps for a human to read. */
export const MAX_SAMPLE_PROBLEMS = 10;

export function emptyAudit(): AuditSummary {
  return { sampled: 0, enrichFailures: 0, audited: 0, defects: 0, regeneratedBatches: [], auditErrors: 0, sampleProblems: [] };
}

/** Adds a batch's audit figures to a run's. */
export function mergeAudit(into: AuditSummary, a: AuditSummary): void {
  into.sampled += a.sampled;
  into.enrichFailures += a.enrichFailures;
  into.audited += a.audited;
  into.defects += a.defects;
  into.auditErrors += a.auditErrors;
  into.regeneratedBatches.push(...a.regeneratedBatches);
  for (const p of a.sampleProblems) if (into.sampleProblems.length < MAX_SAMPLE_PROBLEMS) into.sampleProblems.push(p);
}
