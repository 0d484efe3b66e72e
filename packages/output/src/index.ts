export * from './atomic-file.js';
export * from './sink.js';
export * from './csv-sink.js';
export * from './jsonl-sink.js';
export * from './rejects-sink.js';
export * from './write-json-atomic.js';
export * from './prepare-output-dir.js';
