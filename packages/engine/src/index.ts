export * from './batch-task.js';
export * from './generate-batch.js';
export * from './codegen-pool.js';
export * from './plan.js';
export * from './manifest.js';
export * from './staged-batch.js';
export * from './ref-columns.js';
export * from './run-embedded.js';
