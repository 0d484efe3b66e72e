export * from './source.js';
export * from './null-sentinels.js';
export * from './csv-dialect.js';
export * from './csv-source.js';
export * from './jsonl-source.js';
export * from './postgres-source.js';
export * from './pg-connect.js';
export * from './open-sources.js';
