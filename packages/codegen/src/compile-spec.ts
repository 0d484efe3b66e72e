import type { Spec } from '@synthfarm/spec';
import { CompiledDataset } from './compile-dataset.js';
import { FakerRegistry } from './faker-registry.js';

/**
 * Compiles every code dataset of a spec once, so problems only compilation finds (an
 * unknown faker method or locale, bad faker arguments, a dependency cycle) surface before
 * any work is done, with the field's path.
 */
export async function checkCompiles(spec: Spec): Promise<FakerRegistry> {
  const fakers = await FakerRegistry.forSpec(spec);
  spec.datasets.forEach((ds, i) => {
    if (ds.fields) new CompiledDataset(spec, i, fakers);
  });
  return fakers;
}
