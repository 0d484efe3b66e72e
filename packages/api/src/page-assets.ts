import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

/**
 * The runs pages' script and stylesheet, read once when the server is built. `app.js` and
 * `app.css` live in the package's `assets/`; `run-format.js` is the compiled
 * `src/run-format.ts`, so the browser formats figures with the server's own code.
 */
const ASSETS: Record<string, { url: URL; type: string }> = {
  'app.js': { url: new URL('../assets/app.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
  'app.css': { url: new URL('../assets/app.css', import.meta.url), type: 'text/css; charset=utf-8' },
  'run-format.js': { url: new URL('../dist/run-format.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
};

/** `GET /assets/:name`: open (the sign-in page needs them), same bytes for everyone. */
export async function registerPageAssets(app: FastifyInstance): Promise<void> {
  const bodies = new Map<string, { body: string; type: string }>();
  for (const [name, a] of Object.entries(ASSETS)) {
    // Source maps point at files the server does not serve.
    const text = (await readFile(a.url, 'utf8')).replace(/^\/\/# sourceMappingURL=.*$/m, '');
    bodies.set(name, { body: text, type: a.type });
  }
  app.get<{ Params: { name: string } }>('/assets/:name', { config: { public: true } }, async (request, reply) => {
    const asset = bodies.get(request.params.name);
    if (!asset) return reply.code(404).send({ error: `no asset ${request.params.name}` });
    return reply.header('Content-Type', asset.type).header('X-Content-Type-Options', 'nosniff').header('Cache-Control', 'no-cache').send(asset.body);
  });
}
