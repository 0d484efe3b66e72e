// What a code thread needs to make records, as its own entry point: the package's main entry also
// carries the spec checks (checkCompiles and the spec barrel: zod, yaml, a logger), ~150 modules a
// thread would load and never use, at every thread's start.
export { CompiledDataset, getPath, type DataRecord } from './compile-dataset.js';
export { TransformValueError } from './compile-transform.js';
export { FakerRegistry } from './faker-registry.js';
export { UniqueIndex } from './unique-index.js';
export { SharedColumn, type RefColumns } from './shared-column.js';
export { OrphanRecordError } from './per-parent.js';
