import { SpecError } from '@synthfarm/core';
import { checkAllowedUrl, originOf, type FarmPolicy } from './farm-policy.js';
import type { Spec } from './spec-schema.js';

/** Every `${NAME}` / `${NAME:-default}` in a string. */
const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;
/** A value that is exactly one secret reference, no default: `${OPENAI_API_KEY}`. */
export const SECRET_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

const LITERAL_KEY_RULE =
  'a literal API key is refused in a submitted spec (it would be stored in Redis in plain text): write apiKey: "${NAME}" naming a secret the operator bound with --secret NAME@ORIGIN, or omit apiKey for a local server';

/**
 * First half of the check of a spec submitted to a farm, on the spec as written (before any
 * `${VAR}` is filled): a backend `apiKey` is omitted or exactly `${NAME}` of a secret the operator
 * bound; a bound secret appears nowhere else (it would end up in a prompt or an output file).
 * Throws SpecError naming the path.
 */
export function checkSubmittedRefs(raw: unknown, policy: FarmPolicy): void {
  walk(raw, [], (value, segs) => {
    const path = formatSegs(segs);
    const isApiKey = segs.length === 3 && segs[0] === 'backends' && segs[2] === 'apiKey';
    if (isApiKey) {
      if (!value.includes('${')) {
        if (value !== '') throw new SpecError(path, LITERAL_KEY_RULE);
        return;
      }
      const m = SECRET_REF.exec(value);
      if (!m) throw new SpecError(path, 'must be exactly one secret reference such as "${OPENAI_API_KEY}" (no default, nothing around it)');
      if (!policy.secrets.has(m[1]!)) throw new SpecError(path, unboundRule(m[1]!, 'this farm'));
      return;
    }
    for (const m of value.matchAll(REF)) {
      if (policy.secrets.has(m[1]!)) throw new SpecError(path, `\${${m[1]}} is a secret: a submitted spec may name it only as a backend apiKey`);
    }
  });
}

/**
 * Second half, on the validated spec: a secret goes only to the origin it is bound to (the
 * backend's `baseUrl`, compared by scheme, host and port), and every remote `baseUrl` is on the
 * operator's allowlist. `secretRefs` are the apiKeys as written. Throws SpecError naming the path.
 */
export function checkSubmittedSpec(spec: Spec, secretRefs: Record<string, string>, policy: FarmPolicy): void {
  for (const [name, b] of Object.entries(spec.backends)) {
    const ref = secretRefs[name];
    const secret = ref === undefined ? undefined : SECRET_REF.exec(ref)?.[1];
    if (secret) checkSecretOrigin(policy, secret, b.baseUrl, `backends.${name}.apiKey`, 'this farm');
    if (b.baseUrl) checkAllowedUrl(policy, b.baseUrl, `backends.${name}.baseUrl`);
  }
}

/**
 * Throws SpecError at `path` unless `secret` is bound and `baseUrl` has exactly its origin.
 * `where` names whose bindings these are in the message (`this farm`, `worker gpu1`).
 */
export function checkSecretOrigin(policy: FarmPolicy, secret: string, baseUrl: string | undefined, path: string, where: string): string {
  const bound = policy.secrets.get(secret);
  if (!bound) throw new SpecError(path, unboundRule(secret, where));
  const origin = baseUrl ? originOf(baseUrl) : undefined;
  if (origin !== bound) {
    throw new SpecError(path, `secret ${secret} may only be sent to ${bound}, not ${origin ?? "a backend without baseUrl (in farm mode its hosts are the workers')"}`);
  }
  return bound;
}

function unboundRule(secret: string, where: string): string {
  return `secret ${secret} is not bound on ${where}: a submitted spec may only name a secret the operator bound to its origin (--secret ${secret}@ORIGIN, or SYNTHFARM_SECRETS)`;
}

function walk(value: unknown, segs: Array<string | number>, visit: (s: string, segs: Array<string | number>) => void): void {
  if (typeof value === 'string') visit(value, segs);
  else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segs, i], visit));
  else if (value && typeof value === 'object' && !(value instanceof Date)) for (const [k, v] of Object.entries(value)) walk(v, [...segs, k], visit);
}

function formatSegs(segs: Array<string | number>): string {
  return segs.reduce<string>((p, s) => (typeof s === 'number' ? `${p}[${s}]` : p ? `${p}.${s}` : s), '');
}
