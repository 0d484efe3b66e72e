/**
 * Shared test fixtures for @synthfarm/llm: simulated hosts, specs and fast deps. Lives outside
 * `src` so it is neither built nor collected as a test file.
 */
import { createServer } from 'node:net';
import { createLogger } from '@synthfarm/core';
import { createSimServer, type SimOptionsInput, type SimServer } from '@synthfarm/sim';
import { BackendSchema, type BackendSpec } from '@synthfarm/spec';
import type { BackendDeps } from '../src/backend-deps.js';

export const MODEL = 'gemma3:4b';

/** Five records of {bio ≤ 80 chars}: the shape a batch of `kind: llm` fields asks for. */
export const BIO_SCHEMA = {
  type: 'object',
  properties: {
    records: {
      type: 'array',
      minItems: 5,
      maxItems: 5,
      items: { type: 'object', properties: { bio: { type: 'string', maxLength: 80 } }, required: ['bio'], additionalProperties: false },
    },
  },
  required: ['records'],
  additionalProperties: false,
} as const;

/** Deps that keep tests fast: millisecond backoff and a short circuit cooldown; no log noise. */
export const FAST_DEPS: BackendDeps = {
  retryBaseMs: 5,
  retryMaxMs: 40,
  breakerCooldownMs: 200,
  checkTimeoutMs: 2_000,
  logger: createLogger({ level: 'silent' }),
};

/** A started sim and its URL; near-instant generation unless options say otherwise. */
export async function startSim(opts: SimOptionsInput = {}): Promise<{ sim: SimServer; url: string; port: number }> {
  const sim = createSimServer({ tokensPerSecond: 20_000, promptTokensPerSecond: 1e6, streamIntervalMs: 5, ...opts });
  const { url, port } = await sim.listen(0, '127.0.0.1');
  return { sim, url, port };
}

/** A port on 127.0.0.1 that was free a moment ago and has nothing listening now. */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** A parsed backend spec (defaults applied) pointing one provider at a sim base URL. */
export function specFor(provider: 'ollama' | 'openai', url: string, over: Record<string, unknown> = {}): BackendSpec {
  const where = provider === 'ollama' ? { hosts: [url] } : { baseUrl: `${url}/v1` };
  return BackendSchema.parse({ provider, model: MODEL, ...where, ...over });
}
