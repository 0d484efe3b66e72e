import { z } from 'zod';
import { UsageError } from './errors.js';

/**
 * Parses a component's options with its schema: defaults applied there and nowhere else, a bad
 * option refused with every problem named — `[worker] invalid options: slots: must be a positive
 * integer` (piscina's and the API server's pattern).
 * @throws UsageError (exit 2).
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, component: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const parts = parsed.error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    return path ? `${path}: ${i.message}` : i.message;
  });
  throw new UsageError(`[${component}] invalid options: ${parts.join('; ')}`);
}

/** An integer option of at least `min` (NaN, 1.5 and strings refused), with the rule as its message. */
export function intOption(min: 0 | 1): z.ZodNumber {
  const rule = min === 1 ? 'must be a positive integer' : 'must be an integer >= 0';
  return z.number({ error: rule }).int({ error: rule }).min(min, { error: rule });
}
