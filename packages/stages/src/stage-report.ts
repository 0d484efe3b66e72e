import type { RoutingDecision } from '@synthfarm/engine';

/** Audit results as the manifest shows them. */
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
  /** A few of the problems the auditor named, for a human. */
  sampleProblems: string[];
}

/** What the model stages tell the manifest: every routing decision with its reason, and the audit. */
export class StageReport {
  readonly routing: RoutingDecision[] = [];
  readonly audit: AuditSummary = { sampled: 0, enrichFailures: 0, audited: 0, defects: 0, regeneratedBatches: [], auditErrors: 0, sampleProblems: [] };
}
