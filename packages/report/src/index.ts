export { createReportCollector } from './report-collector.js';
export type { ReportCollector } from './report-collector.js';
export { renderReport } from './render-report.js';
export { renderReportFromDir, ReportInputError } from './report-from-dir.js';
export { REPORT_DATA_FILE, REPORT_FILE } from './report-data.js';
