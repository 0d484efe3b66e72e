import { createServer, type Server } from 'node:http';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailable, RetryableBackendError, serializeError } from '@synthfarm/core';
import { BackendSchema } from '@synthfarm/spec';
import { FAST_DEPS, MODEL, closedPort } from '../test/sim-fixtures.js';
import type { LlmBackend } from './llm-backend.js';
import { createOpenAiBackend } from './openai-backend.js';

const KEY = 'sk-secret-XYZ';

/** Everything about an error a user or a log could see: message, serialized form, inspected causes. */
function visible(err: unknown): string {
  return [String(err), JSON.stringify(serializeError(err)), inspect(err, { depth: 10 })].join('\n');
}

/** An OpenAI-like server that rejects every call with `status`, echoing the key it was sent. */
async function echoingServer(status: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${auth.replace('Bearer ', '')}`, type: 'invalid_request_error' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return { server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

describe('secrets', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  function backend(baseUrl: string): LlmBackend {
    const b = createOpenAiBackend('quality', BackendSchema.parse({ provider: 'openai', model: MODEL, baseUrl, apiKey: KEY, maxRetries: 1 }), FAST_DEPS);
    cleanup.push(() => b.close());
    return b;
  }

  it('an unreachable server: no message, stats or inspected error contains the API key', async () => {
    const b = backend(`http://127.0.0.1:${await closedPort()}/v1`);
    // generate first: a failed check() marks the host down and generate would not try it.
    const genErr = await b.generate({ prompt: 'hi' }).catch((e: unknown) => e);
    expect(genErr).toBeInstanceOf(RetryableBackendError);
    expect((genErr as Error).message).toMatch(/^\[backend:quality http:\/\/127\.0\.0\.1:\d+\/v1\] connection failed: ECONNREFUSED$/);
    const checkErr = await b.check().catch((e: unknown) => e);
    expect(checkErr).toBeInstanceOf(BackendUnavailable);
    expect((checkErr as Error).message).toContain('/v1/models (ECONNREFUSED)');
    for (const err of [checkErr, genErr]) expect(visible(err)).not.toContain(KEY);
    expect(JSON.stringify(b.stats())).not.toContain(KEY);
    expect(b.stats()).toMatchObject({ calls: 1, failures: 1, retries: 1 });
  });

  it('a 401 that echoes the key: not authorized, not retried, key nowhere', async () => {
    const { server, url } = await echoingServer(401);
    cleanup.push(() => new Promise((r) => server.close(() => r())));
    const b = backend(`${url}/v1`);
    const genErr = await b.generate({ prompt: 'hi' }).catch((e: unknown) => e);
    expect(genErr).toBeInstanceOf(BackendUnavailable);
    expect((genErr as Error).message).toBe(`[backend:quality ${url}/v1] 401 not authorized: check the backend's apiKey`);
    const checkErr = await b.check().catch((e: unknown) => e);
    expect(checkErr).toBeInstanceOf(BackendUnavailable);
    expect((checkErr as Error).message).toContain('not authorized');
    for (const err of [checkErr, genErr]) expect(visible(err)).not.toContain(KEY);
    expect(b.stats()).toMatchObject({ retries: 0, failures: 1 });
  });

  it('a 500 whose body quotes the key: retried, and the quote is redacted', async () => {
    const { server, url } = await echoingServer(500);
    cleanup.push(() => new Promise((r) => server.close(() => r())));
    const b = backend(`${url}/v1`);
    const err = await b.generate({ prompt: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableBackendError);
    expect((err as Error).message).toContain('Incorrect API key provided: [redacted]');
    expect(visible(err)).not.toContain(KEY);
    expect(JSON.stringify(b.stats())).not.toContain(KEY);
    expect(b.stats().retries).toBe(1);
  });
});
