import { extname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { FarmService } from '@synthfarm/farm';
import { listRunFiles, openRunFile } from './run-files.js';

/** The report a run writes beside its manifest; the only file shown in the browser rather than downloaded. */
export const REPORT_FILE = 'report.html';

/**
 * CSP of a run's report.html. The report is generated from a submitted spec's data, so it runs
 * sandboxed: an opaque origin (no cookies, no same-origin requests to the API), no request to
 * anywhere (it is self-contained), its own inline scripts and styles only. `'unsafe-eval'` is
 * for plotting libraries that compile expressions; with no network and no origin it reaches nothing.
 */
export const REPORT_CSP = [
  'sandbox allow-scripts allow-popups',
  "default-src 'none'",
  "script-src 'unsafe-inline' 'unsafe-eval'",
  "style-src 'unsafe-inline'",
  "img-src data: blob:",
  "font-src data:",
  "frame-ancestors 'self'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
  '.html': 'text/html; charset=utf-8',
};

/** `attachment; filename="a.csv"; filename*=UTF-8''a.csv` (RFC 6266), with a plain-ASCII fallback name. */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * `GET /runs/:id/files` (the run's files as JSON) and `GET /runs/:id/files/:name` (one file).
 * Files are read only from a run directory under the server's `outRoot`, walked without following
 * links. Every file downloads (`Content-Disposition: attachment`) except `report.html`, which the
 * browser shows, sandboxed by {@link REPORT_CSP}.
 */
export function registerFileRoutes(app: FastifyInstance, opts: { service: FarmService; outRoot: string }): void {
  const { service, outRoot } = opts;

  app.get<{ Params: { id: string } }>('/runs/:id/files', async (request, reply) => {
    const run = await service.getRun(request.params.id);
    if (!run) return reply.code(404).send({ error: `run ${request.params.id} not found` });
    const dir = await listRunFiles(outRoot, run.outDir);
    if (dir.kind === 'outside') return reply.code(404).send({ error: `run ${run.runId} writes outside the server's out root (${outRoot}): its files are not served` });
    return { files: dir.kind === 'ok' ? dir.files : [] };
  });

  app.get<{ Params: { id: string; name: string } }>('/runs/:id/files/:name', async (request, reply) => {
    const { id, name } = request.params;
    const run = await service.getRun(id);
    if (!run) return reply.code(404).send({ error: `run ${id} not found` });
    const file = await openRunFile(outRoot, run.outDir, name);
    if (!file) return reply.code(404).send({ error: `run ${id} has no file ${name}` });
    const report = name === REPORT_FILE;
    reply
      .header('Content-Type', CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream')
      .header('Content-Length', file.size)
      .header('Content-Disposition', contentDisposition(report ? 'inline' : 'attachment', name))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'no-store');
    if (report) reply.header('Content-Security-Policy', REPORT_CSP);
    if (request.method === 'HEAD') {
      await file.fh.close();
      return reply.send();
    }
    return reply.send(file.fh.createReadStream());
  });
}
