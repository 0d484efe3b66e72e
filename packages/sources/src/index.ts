export { createCsvSource } from './csv-source.js';
export { castCsvField } from './csv-records.js';
export { profileSource } from './profile/profile-source.js';
export { specFromProfile } from './profile/spec-from-profile.js';
export { compareOutput } from './compare/compare-output.js';
export type { FidelityReport } from './compare/compare-output.js';
export { formatReport } from './compare/format-report.js';
export { openDatasetSource } from './dataset-source.js';
export type { Source, SourceItem, SourcePosition } from './source.js';
