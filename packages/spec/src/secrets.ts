import { SpecError } from '@synthfarm/core';
import type { BackendSpec, Spec } from './spec-schema.js';
import type { FarmPolicy } from './farm-policy.js';
import { SECRET_REF, checkSecretOrigin } from './submitted-spec.js';

/**
 * A copy of a spec safe to store (Redis, job payloads): API keys are put back to how they were
 * written when that is a secret reference (`${OPENAI_API_KEY}`); anything else (a literal key)
 * is dropped, so no key value is ever stored.
 */
export function redactSecrets(spec: Spec, secretRefs: Record<string, string>): Spec {
  const copy = structuredClone(spec);
  for (const [name, b] of Object.entries(copy.backends)) {
    if (b.apiKey === undefined) continue;
    const ref = secretRefs[name] ?? '';
    b.apiKey = SECRET_REF.test(ref) ? ref : '';
  }
  return copy;
}

/**
 * The backend a worker builds from a stored spec, its API key resolved from this process's
 * environment only when the operator bound that secret here and the backend's `baseUrl` has the
 * bound origin (checked again here, whatever was checked at submission: the stored spec may
 * not have come through a check). Any other `apiKey` is refused with a SpecError naming
 * `backends.NAME.apiKey`; no other variable of the environment is ever read.
 * @param where whose bindings these are, for messages: `worker gpu1`.
 */
export function resolveBoundSecret(name: string, backend: BackendSpec, policy: FarmPolicy, env: NodeJS.ProcessEnv, where: string): BackendSpec {
  if (!backend.apiKey) return backend;
  const path = `backends.${name}.apiKey`;
  const m = SECRET_REF.exec(backend.apiKey);
  if (!m) throw new SpecError(path, `[${where}] not a secret reference: a stored spec's apiKey must be "\${NAME}" of a secret bound with --secret NAME@ORIGIN`);
  checkSecretOrigin(policy, m[1]!, backend.baseUrl, path, where);
  const value = env[m[1]!];
  if (!value) throw new SpecError(path, `[${where}] secret ${m[1]} is bound but not set in this process's environment`);
  return { ...backend, apiKey: value };
}
