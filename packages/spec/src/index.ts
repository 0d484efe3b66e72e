export * from './field-schema.js';
export * from './spec-schema.js';
export * from './load-spec.js';
export * from './interpolate-env.js';
export * from './field-paths.js';
export { formatPath } from './format-zod-error.js';
export * from './record-schema.js';
export * from './secrets.js';
export * from './record-check.js';
