export { createSampler } from './sample.js';
export { isModelDataset, enrichFieldNames, runSpec } from './enrich-fields.js';
export { generateBackendName, DEFAULT_RECORDS_PER_CALL } from './fast-generate-stage.js';
export { usedBackendNames } from './stage-backends.js';
export { estimateCost } from './estimate.js';
export { createModelStages } from './model-stages.js';
