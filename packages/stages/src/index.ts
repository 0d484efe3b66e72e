export { createSampler } from './sample.js';
export { enrichFieldNames, runSpec } from './enrich-fields.js';
export { DEFAULT_RECORDS_PER_CALL } from './fast-generate-stage.js';
export { estimateCost, createCostModel } from './estimate.js';
export { ratesFromDir } from './fit-rates.js';
export { prepareRunCosts } from './run-costs.js';
export { createModelStages } from './model-stages.js';
