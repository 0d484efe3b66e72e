export type { BatchOutput, BackendDelta } from '@synthfarm/engine';
