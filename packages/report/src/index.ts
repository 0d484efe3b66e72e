export { renderReportFromDir, ReportInputError } from './report-from-dir.js';
