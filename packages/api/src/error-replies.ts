import type { FastifyError, FastifyInstance } from 'fastify';
import { ExitCode, SpecError, SynthfarmError } from '@synthfarm/core';

/** The JSON body of every error answer. `path` names the spec field a 400 is about, when known. */
export interface ErrorBody {
  error: string;
  path?: string;
}

/** What a thrown error becomes on the wire: status and body, never a stack. */
export function errorReply(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof SynthfarmError && err.exitCode === ExitCode.BadInput) {
    const body: ErrorBody = { error: err.message };
    if (err instanceof SpecError && err.path) body.path = err.path;
    return { status: 400, body };
  }
  // A path the request named that the file system finds too long is the request's fault.
  if ((err as NodeJS.ErrnoException)?.code === 'ENAMETOOLONG') return { status: 400, body: { error: `out: a path is too long for the file system (ENAMETOOLONG)` } };
  // Fastify's own client errors (bad JSON, unsupported media type, body too large) keep their status.
  const status = (err as Partial<FastifyError>)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, body: { error: (err as Error).message } };
  return { status: 500, body: { error: err instanceof Error ? err.message : String(err) } };
}

/** JSON error answers for every route: 400 for exit-2 errors, 4xx kept, 500 logged with its stack. */
export function registerErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const { status, body } = errorReply(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` }));
}
