import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { SpecError, UsageError } from '@synthfarm/core';

/**
 * What a spec submitted to a farm (`run --redis`, `POST /runs`, schedules) may make a worker or
 * server do, set by the operator (DESIGN §11). A submitted spec never chooses which secrets are
 * resolved or where they go: each secret is bound to the one origin it may be sent to, and every
 * other resource (remote URLs, files, databases) is limited to an allowlist.
 */

/** Environment variable names: what `${NAME}` may refer to. */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * An origin (`scheme://host[:port]`, http or https, nothing else) in its canonical form
 * (`URL.origin`: lower-case host, default port dropped), or undefined when `value` is not one.
 */
export function parseOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  return url.origin;
}

/** The origin a URL sends to (`https://api.openai.com/v1` → `https://api.openai.com`), or undefined when it is not a URL. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

const ORIGIN_RULE = 'an origin is scheme://host[:port] (http or https), no path, e.g. https://api.openai.com';

const OriginSchema = z.string().transform((v, ctx) => {
  const o = parseOrigin(v.trim());
  if (!o) {
    ctx.addIssue({ code: 'custom', message: ORIGIN_RULE });
    return z.NEVER;
  }
  return o;
});

/** One operator binding: secret `name` may only ever be sent to `origin`. */
export const SecretBindingSchema = z.object({
  name: z.string().regex(SECRET_NAME, 'NAME is an environment variable name (letters, digits and _, not starting with a digit)'),
  origin: OriginSchema,
});
export type SecretBinding = z.infer<typeof SecretBindingSchema>;

/** The operator's policy for submitted specs. Parse with {@link createFarmPolicy}. */
export const FarmPolicySchema = z.object({
  /** Secrets a submitted spec may name, each as the `apiKey` of a backend whose `baseUrl` has the bound origin. Default none. */
  secrets: z.array(SecretBindingSchema).default([]),
  /** Origins a submitted spec's remote `baseUrl` (and, later, notification URLs) may point at; bound origins are allowed too. Default none. */
  origins: z.array(OriginSchema).default([]),
  /** Directories a submitted spec's file sources must resolve into (absolute paths; symlinks are followed first). Default none. */
  dataRoots: z.array(z.string().min(1).refine(isAbsolute, 'must be an absolute path').transform((p) => resolve(p))).default([]),
  /** Databases a submitted spec may read or write, by name: the spec names one, never gives a URL. Default none. */
  databases: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'database names are letters, digits, _ and -'), z.string().min(1)).default({}),
});
export type FarmPolicyInput = z.input<typeof FarmPolicySchema>;

/** A parsed farm policy: bindings by name, allowed origins, data roots and named databases. */
export interface FarmPolicy {
  /** Secret name → the one origin it may be sent to. */
  readonly secrets: ReadonlyMap<string, string>;
  /** Every origin a submitted spec may send to: the allowlist plus the bound origins. */
  readonly origins: ReadonlySet<string>;
  readonly dataRoots: readonly string[];
  readonly databases: Readonly<Record<string, string>>;
}

/** Parses a policy; throws UsageError naming `what` (`--secret`, ...) and the rule. */
export function createFarmPolicy(input: FarmPolicyInput = {}, what: Partial<Record<keyof FarmPolicyInput, string>> = {}): FarmPolicy {
  const parsed = FarmPolicySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path[0] as keyof FarmPolicyInput;
    const bad = issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)?.[k as PropertyKey], input);
    throw new UsageError(`${what[key] ?? key}${typeof bad === 'string' ? ` ${bad}` : ''}: ${issue.message}`);
  }
  const secrets = new Map<string, string>();
  for (const b of parsed.data.secrets) {
    const had = secrets.get(b.name);
    if (had && had !== b.origin) throw new UsageError(`${what.secrets ?? 'secrets'} ${b.name}: bound to two origins (${had} and ${b.origin}); a secret is sent to one origin only`);
    secrets.set(b.name, b.origin);
  }
  return { secrets, origins: new Set([...parsed.data.origins, ...secrets.values()]), dataRoots: parsed.data.dataRoots, databases: parsed.data.databases };
}

/** `NAME@ORIGIN` → a binding; UsageError naming `option` and the rule. */
export function parseSecretBinding(value: string, option = '--secret'): SecretBinding {
  const at = value.indexOf('@');
  const rule = `expected NAME@ORIGIN, e.g. OPENAI_API_KEY@https://api.openai.com (${ORIGIN_RULE})`;
  if (at <= 0) throw new UsageError(`${option} ${value}: ${rule}`);
  const parsed = SecretBindingSchema.safeParse({ name: value.slice(0, at).trim(), origin: value.slice(at + 1) });
  if (!parsed.success) throw new UsageError(`${option} ${value}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/**
 * The policy from command-line values and the environment: `--secret NAME@ORIGIN` and
 * `SYNTHFARM_SECRETS` (comma-separated), `--allow-origin URL` and `SYNTHFARM_ALLOWED_ORIGINS`,
 * `SYNTHFARM_DATA_ROOTS` (comma-separated absolute paths), `SYNTHFARM_DATABASES` (comma-separated
 * `NAME=postgres://...`: the databases a submitted spec may name as `database: NAME`).
 */
export function farmPolicyFromOptions(opts: { secret?: string[]; allowOrigin?: string[] }, env: NodeJS.ProcessEnv = process.env): FarmPolicy {
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const secrets = [
    ...(opts.secret ?? []).map((v) => parseSecretBinding(v, '--secret')),
    ...list(env.SYNTHFARM_SECRETS).map((v) => parseSecretBinding(v, 'SYNTHFARM_SECRETS')),
  ];
  const origins: string[] = [];
  for (const [values, option] of [[opts.allowOrigin ?? [], '--allow-origin'], [list(env.SYNTHFARM_ALLOWED_ORIGINS), 'SYNTHFARM_ALLOWED_ORIGINS']] as const) {
    for (const v of values) {
      const o = parseOrigin(v.trim());
      if (!o) throw new UsageError(`${option} ${v}: ${ORIGIN_RULE}`);
      origins.push(o);
    }
  }
  const databases: Record<string, string> = {};
  for (const v of list(env.SYNTHFARM_DATABASES)) {
    const eq = v.indexOf('=');
    // Never echo the value: it is a URL that may hold a password.
    if (eq <= 0) throw new UsageError(`SYNTHFARM_DATABASES: expected NAME=postgres://..., comma-separated; an entry has no NAME=`);
    const name = v.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) throw new UsageError(`SYNTHFARM_DATABASES ${name}: database names are letters, digits, _ and - and start with a letter`);
    databases[name] = v.slice(eq + 1).trim();
  }
  return createFarmPolicy({ secrets, origins, dataRoots: list(env.SYNTHFARM_DATA_ROOTS), databases }, { secrets: '--secret', origins: '--allow-origin', dataRoots: 'SYNTHFARM_DATA_ROOTS', databases: 'SYNTHFARM_DATABASES' });
}

/**
 * Checks that a URL of a submitted spec (a remote `baseUrl`, a notification URL) points at an
 * allowed origin; returns that origin. Throws SpecError at `path` naming the origin and the flag.
 */
export function checkAllowedUrl(policy: FarmPolicy, url: string, path: string): string {
  const origin = originOf(url);
  if (!origin) throw new SpecError(path, `${url} is not an http(s) URL`);
  if (!policy.origins.has(origin)) {
    throw new SpecError(path, `origin ${origin} is not allowed on this farm: the operator allows it with --allow-origin ${origin} (or SYNTHFARM_ALLOWED_ORIGINS)`);
  }
  return origin;
}

/**
 * Checks that a file a submitted spec reads lies under a data root, after following symlinks and
 * `..`; a relative path is taken relative to the first data root. Resolves with the real path,
 * which the caller must open (not the path as written). Throws SpecError at `path`.
 */
export async function checkDataPath(policy: FarmPolicy, file: string, path: string): Promise<string> {
  if (policy.dataRoots.length === 0) throw new SpecError(path, `${file}: this farm reads no files for submitted specs (the operator sets data roots with SYNTHFARM_DATA_ROOTS)`);
  const abs = resolve(policy.dataRoots[0]!, file);
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    throw new SpecError(path, `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  for (const root of policy.dataRoots) {
    const realRoot = await realpath(root).catch(() => root);
    const rel = relative(realRoot, real);
    if (rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))) return real;
  }
  throw new SpecError(path, `${file}: outside the farm's data roots (${policy.dataRoots.join(', ')})`);
}

/** The URL of a database a submitted spec names; SpecError at `path` when the operator did not name it. */
export function checkDatabase(policy: FarmPolicy, name: string, path: string): string {
  const url = Object.hasOwn(policy.databases, name) ? policy.databases[name] : undefined;
  if (url === undefined) {
    const known = Object.keys(policy.databases);
    throw new SpecError(path, `database '${name}' is not one this farm allows${known.length ? ` (allowed: ${known.join(', ')})` : ' (none are)'}; a submitted spec names a database the operator configured, never a URL`);
  }
  return url;
}
