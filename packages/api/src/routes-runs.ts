import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UsageError } from '@synthfarm/core';
import type { FarmService } from '@synthfarm/farm';
import { resolveOutDir } from './out-dir.js';

/** Content types whose body is the spec itself (YAML; JSON is YAML, but JSON bodies are `{spec, out}`). */
export const YAML_CONTENT_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/x-yaml'] as const;

const SPEC_RULE = 'must be a spec object or its YAML/JSON text';

/** A JSON `POST /runs` body. */
export const PostRunBodySchema = z
  .object({
    spec: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: SPEC_RULE }).describe('The spec: an object, or YAML/JSON text.'),
    out: z.string().optional().describe('Output directory relative to the server\'s outRoot. Default <outRoot>/<timestamp>.'),
  })
  .strict();

const RunsQuerySchema = z.object({
  out: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** zod issues → `spec: must be ...; out: ...` as one UsageError (HTTP 400). */
function usage(where: string, error: z.ZodError): UsageError {
  const first = error.issues[0];
  const path = first?.path.map(String).join('.') ?? '';
  const rule = first?.code === 'unrecognized_keys' ? `unknown key${first.keys.length > 1 ? 's' : ''} ${first.keys.map((k) => `'${k}'`).join(', ')} (${where})` : (first?.message ?? 'invalid');
  return new UsageError(path ? `${path}: ${rule}` : rule);
}

/** Reads the spec text and `out` from either body form. */
function readSubmission(body: unknown, queryOut: string | undefined): { specText: string; out: string | undefined } {
  if (typeof body === 'string') {
    if (body.trim() === '') throw new UsageError('spec: the request body is empty');
    return { specText: body, out: queryOut };
  }
  if (body === undefined || body === null) {
    throw new UsageError('spec: is required: POST {"spec": ..., "out": ...} as application/json, or the spec itself as text/yaml');
  }
  const parsed = PostRunBodySchema.safeParse(body);
  if (!parsed.success) throw usage('expected {"spec": ..., "out": ...}', parsed.error);
  const { spec, out } = parsed.data;
  return { specText: typeof spec === 'string' ? spec : JSON.stringify(spec), out: out ?? queryOut };
}

/**
 * `POST /runs` (start a run), `GET /runs` (recent runs), `GET /runs/:id` (one run), `DELETE /runs/:id` (end a run).
 * Spec errors from the service surface as 400 `{error, path}` through the error handler.
 */
export function registerRunRoutes(app: FastifyInstance, opts: { service: FarmService; outRoot: string }): void {
  const { service, outRoot } = opts;
  app.addContentTypeParser([...YAML_CONTENT_TYPES], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/runs', async (request, reply) => {
    const query = RunsQuerySchema.safeParse(request.query);
    if (!query.success) throw usage('query', query.error);
    const { specText, out } = readSubmission(request.body, query.data.out);
    const outDir = await resolveOutDir(outRoot, out);
    const { runId } = await service.submit(specText, { outDir, outRoot, source: 'http' });
    request.log.info({ runId, outDir }, 'run submitted');
    return reply.code(201).header('Location', `/runs/${encodeURIComponent(runId)}`).send({ runId });
  });

  app.get('/runs', async (request) => {
    const query = RunsQuerySchema.safeParse(request.query);
    if (!query.success) throw usage('query', query.error);
    return { runs: await service.listRuns(query.data.limit) };
  });

  // Ends a run: 200 with the ended run; 404 unknown; 409 for a run that had already ended (untouched).
  app.delete<{ Params: { id: string } }>('/runs/:id', async (request, reply) => {
    const res = await service.cancel(request.params.id);
    if (res.outcome === 'not_found') return reply.code(404).send({ error: `run ${request.params.id} not found` });
    if (res.outcome === 'finished') return reply.code(409).send({ error: `run ${request.params.id} is already ${res.run.state}: there is nothing to cancel` });
    request.log.info({ runId: request.params.id }, 'run cancelled');
    return res.run;
  });

  app.get<{ Params: { id: string } }>('/runs/:id', async (request, reply) => {
    const run = await service.getRun(request.params.id);
    if (!run) return reply.code(404).send({ error: `run ${request.params.id} not found` });
    return run;
  });
}
