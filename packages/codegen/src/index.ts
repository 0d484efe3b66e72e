export { Rng } from './rng.js';
export { FakerRegistry } from './faker-registry.js';
export type { FakerCall } from './faker-registry.js';
export { CompiledDataset, getPath } from './compile-dataset.js';
export type { DataRecord, RecordOp } from './compile-dataset.js';
export { UniqueIndex } from './unique-index.js';
export { SharedColumn } from './shared-column.js';
export type { RefColumns } from './shared-column.js';
export { checkCompiles } from './compile-spec.js';
