import { SpecError } from '@synthfarm/core';

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed spec.
 * Runs on parsed values, not on the raw text, so an environment value can never inject YAML.
 * A string that is exactly one `${...}` and expands to a number or boolean becomes one,
 * so `count: ${ROWS:-1000}` works. A variable that is unset and has no default is an error,
 * except under `backends.*` where it only matters if that backend is used (recorded in `missing`).
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path = '', missing: MissingEnv[] = []): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const whole = WHOLE.exec(value);
    const expanded = value.replace(VAR, (_m, name: string, def: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (def !== undefined) return def;
      if (/^backends\./.test(path)) {
        missing.push({ path, name });
        return '';
      }
      throw new SpecError(path, `environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
    });
    if (whole) {
      if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(expanded)) return Number(expanded);
      if (expanded === 'true' || expanded === 'false') return expanded === 'true';
    }
    return expanded;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`, missing));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, path ? `${path}.${k}` : k, missing);
    return out;
  }
  return value;
}

/** An environment variable a spec refers to that is not set. */
export interface MissingEnv {
  path: string;
  name: string;
}
