export { createReportCollector } from './report-collector.js';
export type { ReportCollector, RejectInput } from './report-collector.js';
export { renderReport } from './render-report.js';
export { renderReportFromDir, ReportInputError } from './report-from-dir.js';
export { REPORT_DATA_FILE, REPORT_FILE } from './report-data.js';
export type { DatasetSummary } from './batch-summary.js';
