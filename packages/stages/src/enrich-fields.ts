export { isModelDataset, enrichFieldNames, runSpec } from '@synthfarm/spec';
