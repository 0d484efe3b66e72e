import { currentSpecLimits, type Spec, type SpecLimits } from '@synthfarm/spec';
import { CompiledDataset } from './compile-dataset.js';
import { FakerRegistry } from './faker-registry.js';

/**
 * Compiles every code dataset of a spec once, so problems only compilation finds (an
 * unknown faker method or locale, bad faker arguments, a dependency cycle) surface before
 * any work is done, with the field's path. Faker values are probed and measured against
 * `limits.fakerValueChars` (default this process's limits).
 */
export async function checkCompiles(spec: Spec, limits: SpecLimits = currentSpecLimits()): Promise<FakerRegistry> {
  const fakers = await FakerRegistry.forSpec(spec, limits);
  spec.datasets.forEach((ds, i) => {
    if (ds.fields) new CompiledDataset(spec, i, fakers);
  });
  return fakers;
}
