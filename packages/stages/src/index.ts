export { createSampler } from './sample.js';
export { enrichFieldNames, runSpec } from './enrich-fields.js';
export { DEFAULT_RECORDS_PER_CALL } from './fast-generate-stage.js';
export { estimateCost } from './estimate.js';
export { createModelStages } from './model-stages.js';
