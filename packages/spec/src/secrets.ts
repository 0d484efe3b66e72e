import type { Spec } from './spec-schema.js';
import { interpolateEnv } from './interpolate-env.js';

/**
 * A copy of a spec safe to store (Redis, job payloads): API keys are put back to how they
 * were written (`${OPENAI_API_KEY}`), never the key itself.
 */
export function redactSecrets(spec: Spec, secretRefs: Record<string, string>): Spec {
  const copy = structuredClone(spec);
  for (const [name, b] of Object.entries(copy.backends)) {
    if (b.apiKey !== undefined) b.apiKey = secretRefs[name] ?? '';
  }
  return copy;
}

/** Resolves the API key references of a stored spec from this process's environment. */
export function restoreSecrets(spec: Spec, env: NodeJS.ProcessEnv = process.env): Spec {
  const copy = structuredClone(spec);
  for (const [name, b] of Object.entries(copy.backends)) {
    if (b.apiKey) b.apiKey = String(interpolateEnv(b.apiKey, env, `backends.${name}.apiKey`, []));
  }
  return copy;
}
