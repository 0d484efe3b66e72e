import { SpecError } from '@synthfarm/core/errors';
import type { SpecLimitName, SpecLimits } from './spec-limits.js';

// Apart from spec-limits.ts (which holds the zod schema) so code threads can raise these without
// loading zod: faker arguments are checked where faker runs.

/** A spec asks for more than a limit allows: exit 2 / HTTP 400, naming the limit and how to raise it. */
export function limitError(path: string, what: string, name: SpecLimitName, limits: SpecLimits): SpecError {
  return new SpecError(path, `${what} exceeds limit ${name} (${limits[name]}); raise it with --limit ${name}=N or SYNTHFARM_LIMITS`);
}

/** A value as it may be echoed in a message: at most `max` characters, its length said when cut. */
export function clip(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}
