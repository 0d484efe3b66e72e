import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { FarmService } from '@synthfarm/farm';

/** The parts of a {@link FarmService} the server calls; checked duck-typed so a fake passes too. */
const SERVICE_METHODS = ['submit', 'listRuns', 'getRun', 'subscribe', 'queues', 'queueDepths'] as const;

function isFarmService(v: unknown): v is FarmService {
  return typeof v === 'object' && v !== null && SERVICE_METHODS.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');
}

/**
 * Options of {@link createServer}. Parsed once, defaults applied here and nowhere else; a bad
 * option throws a `[api]` UsageError naming the option and the rule.
 */
export const ServerOptionsSchema = z
  .object({
    service: z
      .custom<FarmService>(isFarmService, { message: `must be a FarmService (an object with ${SERVICE_METHODS.join(', ')})` })
      .describe('The farm the API fronts: runs, events, queues. Required.'),
    token: z
      .string()
      .min(1, { message: 'must not be empty (leave it unset and pass insecure: true to serve without auth on loopback)' })
      .optional()
      .describe('Bearer token every route but /healthz requires. The caller reads it from SYNTHFARM_API_TOKEN. Default: none, which needs insecure: true.'),
    insecure: z
      .boolean()
      .default(false)
      .describe('Serve without auth when no token is set. Only safe on a loopback host: check with assertAuthConfig before listening. Default false.'),
    outRoot: z
      .string()
      .min(1)
      .refine(isAbsolute, { message: 'must be an absolute path' })
      .transform((p) => resolve(p))
      .describe('Directory the output directories of posted runs must stay inside (absolute path). Required.'),
    logger: z
      .boolean()
      .default(false)
      .describe('Log requests (pino JSON) to logStream; tokens and cookies are redacted. Default false.'),
    logStream: z
      .custom<NodeJS.WritableStream>((v) => typeof v === 'object' && v !== null && typeof (v as { write?: unknown }).write === 'function', { message: 'must be a writable stream' })
      .optional()
      .describe('Where request logs go when logger is on. Default process.stderr (stdout stays clean).'),
    uiBasePath: z
      .string()
      .regex(/^\/[A-Za-z0-9_-]+$/, { message: "must be one path segment such as '/ui'" })
      .default('/ui')
      .describe("URL prefix of the bull-board queue dashboard. Default '/ui'."),
  })
  .strict();

/** Server options after defaults are applied. */
export type ServerOptions = z.infer<typeof ServerOptionsSchema>;
/** Server options as a caller writes them: defaults optional. */
export type ServerOptionsInput = z.input<typeof ServerOptionsSchema>;

/** `error.issues` → `[api] invalid options: token: must not be empty; ...`. */
export function formatServerOptionIssues(error: z.ZodError): string {
  const parts = error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    return path ? `${path}: ${i.message}` : i.message;
  });
  return `[api] invalid options: ${parts.join('; ')}`;
}
