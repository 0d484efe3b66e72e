export * from './errors.js';
export * from './hash.js';
export * from './logger.js';
export * from './parse-options.js';
