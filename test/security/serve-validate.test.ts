import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '@synthfarm/api';
import { createSpecValidator, type SpecValidator } from '@synthfarm/engine';
import type { FarmService } from '@synthfarm/farm';
import { DEFAULT_SPEC_LIMITS } from '@synthfarm/spec';

/**
 * `serve` validates posted specs off its event loop (as createFarmService does, through
 * createSpecValidator): /healthz answers while the heaviest spec the limits allow is being
 * checked, and each limit is a 400 naming it.
 */

const TOKEN = 'test-token-0123456789';

/** The heaviest spec of the default limits we know: ~1 MB of 10,000-key weights (1.3-3 s of CPU to check). */
export function heaviestSpec(maxBytes = DEFAULT_SPEC_LIMITS.specBytes - 50_000, bad = true): string {
  const weights = `{${Array.from({ length: 10_000 }, (_, k) => `k${k}: 1`).join(', ')}}`;
  let text = 'name: heavy\ncount: 1000\nfields:\n';
  for (let f = 0; text.length + weights.length + 100 < maxBytes; f++) text += `  c${f}: { kind: choice, weights: ${weights} }\n`;
  // Wrong only at the very end, so the whole spec is checked and no run starts.
  return bad ? `${text}  last: { kind: faker, method: person.nope }\n` : text;
}

/**
 * A farm whose submit validates like createFarmService's and queues nothing. `onValidate` is
 * called as a validation starts, so a test can act while one is in flight (not after a guessed sleep).
 */
function farmWith(validator: SpecValidator, onValidate: () => void = () => undefined): FarmService {
  let n = 0;
  return {
    async submit(specText, opts) {
      onValidate();
      await validator.validate(specText, opts.source ?? 'http.yaml', { env: {} });
      return { runId: `run-${++n}` };
    },
    listRuns: async () => [],
    getRun: async () => undefined,
    subscribe: () => () => undefined,
    queues: () => [],
    queueDepths: async () => ({}),
    close: () => validator.close(),
  };
}

function http(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string; at: number }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'text/yaml' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text, at: performance.now() }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

let app: FastifyInstance;
let port: number;
let outRoot: string;
let service: FarmService;
let validating: () => void = () => undefined;

beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), 'synthfarm-serve-limits-'));
  // validateMs (default 10 s) is wall time: a loaded machine took longer than that over the
  // heaviest spec (~3 s of CPU). These tests are about the thread, not that limit (tested below).
  service = farmWith(createSpecValidator({ limits: { ...DEFAULT_SPEC_LIMITS, validateMs: 300_000 } }), () => validating());
  app = await createServer({ service, token: TOKEN, outRoot });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app.close();
  await service.close();
  await rm(outRoot, { recursive: true, force: true });
});

describe('POST /runs validates off the event loop', () => {
  it('/healthz answers while the heaviest spec is being validated', async () => {
    await http(port, 'POST', '/runs', 'name: warm\ncount: 1\nfields:\n  id: { kind: sequence }\n'); // thread started
    const started = new Promise<void>((r) => (validating = r));
    const post = http(port, 'POST', '/runs', heaviestSpec());
    // Ordering, not milliseconds: the spec is uploaded and its check has begun (seconds of CPU).
    await started;
    const health = await http(port, 'GET', '/healthz');
    const posted = await post;
    expect(health.status).toBe(200);
    expect(posted.status).toBe(400);
    expect(JSON.parse(posted.body)).toMatchObject({ error: expect.stringMatching(/^datasets\[0\]\.fields\.last\.method: unknown faker method 'person\.nope'/) });
    // On the loop, /healthz waited for the whole validation; off it, it answers first.
    expect(health.at).toBeLessThan(posted.at);
    expect(posted.at - health.at).toBeGreaterThan(100);
  });

  it.each<[string, string, RegExp]>([
    ['faker string.alpha(1e9)', 'name: x\ncount: 2\nfields:\n  s: { kind: faker, method: string.alpha, args: [1000000000] }\n', /^datasets\[0\]\.fields\.s\.args\[0\]: 1000000000 .*exceeds limit fakerArgMax \(10000\)/],
    ['count 1e12', 'name: x\ncount: 1000000000000\nfields:\n  id: { kind: sequence }\n', /^datasets\[0\]\.count: 1000000000000 records exceeds limit count/],
    ['a cyclic alias', 'a: &a [*a]\n', /^http:1:8: YAML syntax error: alias \*a refers to a node that contains it \(a cycle\)$/],
    ['an undefined alias', 'name: x\ncount: *n\n', /alias \*n has no anchor &n before it$/],
    ['a dataset named rejects', 'name: rejects\ncount: 5\nfields:\n  id: { kind: sequence }\n', /^datasets\[0\]\.name: 'rejects' is reserved/],
  ])('%s is a 400 naming the problem', async (_name, spec, expected) => {
    const res = await http(port, 'POST', '/runs', spec);
    expect(res.status).toBe(400);
    expect((JSON.parse(res.body) as { error: string }).error).toMatch(expected);
  });

  it('a spec over the validator thread\'s memory limit is a 400 naming validateMemoryMb', async () => {
    const small = createSpecValidator({ limits: { ...DEFAULT_SPEC_LIMITS, validateMemoryMb: 16, validateMs: 30_000 } });
    try {
      await expect(small.validate(heaviestSpec(), 'big.yaml')).rejects.toThrow(/^validating big\.yaml needed more than 16 MB, which exceeds limit validateMemoryMb \(16\)/);
    } finally {
      await small.close();
    }
  });

  it('a spec over the validator thread\'s time limit is a 400 naming validateMs, and the next one is served', async () => {
    // validateMs is wall time, so both sides need room on a loaded machine: a 4 MB spec of
    // weights takes ~9 s of CPU here (a thread never gets more than one core, so at least as
    // much wall time, on a machine a few times faster too); the limit stops it at 1.5 s (the
    // thread's start not counted), then a fresh thread checks a tiny spec in ~6 ms of CPU.
    const slow = createSpecValidator({ limits: { ...DEFAULT_SPEC_LIMITS, validateMs: 1500, specBytes: 5_000_000, validateMemoryMb: 2048 } });
    try {
      await expect(slow.validate(heaviestSpec(4_000_000), 'big.yaml')).rejects.toThrow(/^validating big\.yaml took longer than 1500 ms, which exceeds limit validateMs \(1500\); raise it with --limit validateMs=N/);
      await expect(slow.validate('name: x\ncount: 1\nfields:\n  id: { kind: sequence }\n', 'ok.yaml')).resolves.toMatchObject({ spec: { datasets: [{ name: 'x' }] } });
    } finally {
      await slow.close();
    }
  });
});
