import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { mix32, UsageError } from '@synthfarm/core';
import type { AnswerEncoder, AnswerTotals } from './answer-encoder.js';
import { contentSeedParts, planCompletion, type GenerationRequest } from './completion-plan.js';
import { rollFaults, type FaultRoll } from './fault-dice.js';
import { readBody, sendBody, sendOllamaJson } from './http-io.js';
import { parseKeepAlive } from './keep-alive.js';
import { LoadedModels } from './loaded-models.js';
import { canonicalModelName, describeModel, findModel, type SimModel } from './model-catalog.js';
import { createOllamaEncoder, ollamaLoadAnswer } from './ollama-answers.js';
import { openAiModel, openAiModelList, psBody, showBody, tagsBody } from './ollama-listings.js';
import { parseOllamaRequest } from './ollama-requests.js';
import { createOpenAiEncoder, openAiErrorBody } from './openai-answers.js';
import { parseOpenAiRequest } from './openai-requests.js';
import { formatOptionIssues, SimFaultsSchema, SimOptionsSchema, type SimFaultsInput, type SimOptions, type SimOptionsInput } from './sim-options.js';
import { StatsCollector, type SimStats } from './sim-stats.js';
import { sleepUntil, untilAborted } from './sleep-until.js';
import { SlotPool } from './slot-pool.js';
import { CHARS_PER_TOKEN } from './tokens.js';
import type { ModelQuality } from './model-quality.js';

/** Ollama's exact 503 text when OLLAMA_MAX_QUEUE is exceeded (server/sched.go ErrMaxQueue; note the two spaces). */
export const SERVER_BUSY_MESSAGE = 'server busy, please try again.  maximum pending requests exceeded';

/** The 500 message of the errorRate fault: what Ollama says when its runner dies mid-request. */
export const RUNNER_ERROR_MESSAGE = 'llama-server process has terminated: exit status 2';

/** Ollama's 404 text for a model it does not have (server/routes.go GenerateHandler / ChatHandler). */
export function modelNotFoundMessage(model: string): string {
  return `model '${model}' not found`;
}

/** A running simulated Ollama host. Build with {@link createSimServer}. */
export interface SimServer {
  /** The options in force, defaults applied (faults reflect the latest {@link SimServer.setFaults}). */
  readonly options: SimOptions;
  /**
   * Starts listening. Port 0 (the default) picks a free port; host defaults to 127.0.0.1.
   * @returns the base URL (`http://127.0.0.1:PORT`, no trailing slash) and the port.
   */
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Stops listening, ends every in-flight and queued request and closes every connection. */
  close(): Promise<void>;
  /** A snapshot of counters since start or the last {@link SimServer.reset}. */
  stats(): SimStats;
  /** Changes faults at runtime; omitted fields keep their value. Throws a `[sim]` UsageError on a bad value. */
  setFaults(partial: SimFaultsInput): void;
  /** Zeroes the stats and starts a new measurement window (in-flight work counts from now on). */
  reset(): void;
  /**
   * The newest generation requests (at most the `requestLog` option's count; none by default), in
   * arrival order, faulted ones included: what each model was asked.
   */
  requests(): readonly GenerationRequest[];
}

type Flavor = 'ollama' | 'openai';

/** Per-request state: start time and an abort signal that fires when the client or the server goes away. */
interface RequestCtx {
  req: IncomingMessage;
  res: ServerResponse;
  t0: number;
  signal: AbortSignal;
}

const nsSince = (t0: number): number => Math.max(1, Math.round((performance.now() - t0) * 1e6));

/**
 * Builds a simulated Ollama host that speaks Ollama's HTTP API (/api/chat, /api/generate,
 * /api/tags, /api/ps, /api/show, /api/version, /) and its OpenAI-compatible layer
 * (/v1/chat/completions, /v1/models), with real parallel slots, a bounded FIFO queue, generation
 * time driven by tokens per second, deterministic answers and injectable faults.
 * @throws UsageError `[sim] invalid options: ...` naming the bad option.
 */
export function createSimServer(input: SimOptionsInput = {}): SimServer {
  const parsed = SimOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(formatOptionIssues(parsed.error));
  const options: SimOptions = parsed.data;
  const models: SimModel[] = options.models.map(describeModel);
  const pool = new SlotPool(options.slots, options.maxQueue);
  const stats = new StatsCollector();
  const loaded = new LoadedModels();
  const inFlight = new Set<AbortController>();
  let requestIndex = 0;
  let closing = false;
  const requestLog: GenerationRequest[] = [];

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      // A bug in the sim must not hang the client: answer 500 if nothing was sent yet.
      if (!res.headersSent && !res.destroyed) sendOllamaJson(res, 500, { error: `[sim] ${err instanceof Error ? err.message : String(err)}` });
      else res.destroy();
    });
  });

  function sendError(res: ServerResponse, flavor: Flavor, status: number, message: string): void {
    if (flavor === 'openai') sendBody(res, status, 'application/json', `${JSON.stringify(openAiErrorBody(status, message))}\n`);
    else sendOllamaJson(res, status, { error: message });
  }

  async function readJson(ctx: RequestCtx, flavor: Flavor): Promise<{ ok: true; body: unknown } | { ok: false }> {
    const text = await readBody(ctx.req);
    if (text.trim() === '') {
      sendError(ctx.res, flavor, 400, 'missing request body');
      return { ok: false };
    }
    try {
      return { ok: true, body: JSON.parse(text) as unknown };
    } catch (err) {
      sendError(ctx.res, flavor, 400, err instanceof Error ? err.message : 'invalid JSON');
      return { ok: false };
    }
  }

  /** The served model a request names; answers 404 (and counts a fault for `missingModels`) when there is none. */
  function resolveModel(ctx: RequestCtx, flavor: Flavor, name: string): SimModel | undefined {
    const model = findModel(models, name);
    const missing = options.faults.missingModels.some((m) => canonicalModelName(m) === canonicalModelName(name));
    if (model && !missing) return model;
    if (model && missing) stats.countFault('missingModel');
    sendError(ctx.res, flavor, 404, modelNotFoundMessage(name));
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const controller = new AbortController();
    inFlight.add(controller);
    res.on('close', () => {
      inFlight.delete(controller);
      stats.countStatus(res.headersSent ? res.statusCode : 0);
      // 'close' after a complete answer is normal; before it, the client (or a fault) cut the line.
      if (!res.writableFinished) controller.abort();
    });
    res.on('error', () => controller.abort());
    const ctx: RequestCtx = { req, res, t0, signal: controller.signal };
    if (closing) {
      res.destroy();
      return;
    }

    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://sim').pathname.replace(/\/+$/, '') || '/';
    const get = method === 'GET' || method === 'HEAD';
    const route = routeKey(method, path);
    stats.countRequest(route ?? 'other');

    if (get && path === '/') return sendBody(res, 200, 'text/plain; charset=utf-8', 'Ollama is running');
    if (get && path === '/api/version') return sendOllamaJson(res, 200, { version: options.version });
    if (get && path === '/api/tags') return sendOllamaJson(res, 200, tagsBody(models));
    if (get && path === '/api/ps') {
      const now = Date.now();
      const list = loaded.list(now).flatMap(({ name, expiresAt }) => {
        const model = findModel(models, name);
        return model ? [{ model, expiresAt }] : [];
      });
      return sendOllamaJson(res, 200, psBody(list, now));
    }
    if (get && path === '/v1/models') return sendBody(res, 200, 'application/json', `${JSON.stringify(openAiModelList(models))}\n`);
    if (get && path.startsWith('/v1/models/')) {
      const name = decodeURIComponent(path.slice('/v1/models/'.length));
      const model = resolveModel(ctx, 'openai', name);
      if (model) sendBody(res, 200, 'application/json', `${JSON.stringify(openAiModel(model))}\n`);
      return;
    }
    if (method === 'POST' && path === '/api/show') {
      const body = await readJson(ctx, 'ollama');
      if (!body.ok) return;
      const b = (body.body ?? {}) as { model?: unknown; name?: unknown };
      const name = typeof b.model === 'string' && b.model ? b.model : typeof b.name === 'string' ? b.name : '';
      const model = resolveModel(ctx, 'ollama', name);
      if (model) sendOllamaJson(res, 200, showBody(model));
      return;
    }
    if (method === 'POST' && (path === '/api/chat' || path === '/api/generate')) {
      const kind = path === '/api/chat' ? 'chat' : 'generate';
      const body = await readJson(ctx, 'ollama');
      if (!body.ok) return;
      const p = parseOllamaRequest(kind, body.body);
      if (!p.ok) return sendError(res, 'ollama', p.status, p.error);
      if (kind === 'chat' && p.request.model === '') return sendError(res, 'ollama', 400, 'model is required');
      const model = resolveModel(ctx, 'ollama', p.request.model);
      if (!model) return;
      const keepAliveMs = parseKeepAlive(p.keepAlive);
      if (p.loadOnly) {
        // An empty prompt loads (or, with keep_alive 0, unloads) the model without generating.
        const unload = p.keepAlive !== undefined && keepAliveMs === 0;
        if (unload) loaded.unload(model.name);
        else {
          loaded.begin(model.name);
          loaded.end(model.name, keepAliveMs);
        }
        return sendOllamaJson(res, 200, ollamaLoadAnswer(kind, p.request.model, unload ? 'unload' : 'load'));
      }
      const index = requestIndex++;
      const encoder = createOllamaEncoder({ kind, model: p.request.model, raw: p.raw });
      return generate(ctx, 'ollama', model, p.request, encoder, keepAliveMs, index);
    }
    if (method === 'POST' && path === '/v1/chat/completions') {
      const body = await readJson(ctx, 'openai');
      if (!body.ok) return;
      const p = parseOpenAiRequest(body.body);
      if (!p.ok) return sendError(res, 'openai', p.status, p.error);
      if (p.request.model === '') return sendError(res, 'openai', 400, 'model is required');
      const model = resolveModel(ctx, 'openai', p.request.model);
      if (!model) return;
      const index = requestIndex++;
      // Ollama numbers completions chatcmpl-0..998 at random; the sim derives it from the seed.
      const encoder = createOpenAiEncoder({ model: p.request.model, id: `chatcmpl-${mix32(options.seed, index) % 999}`, includeUsage: p.includeUsage });
      return generate(ctx, 'openai', model, p.request, encoder, parseKeepAlive(undefined), index);
    }
    // gin's default answer for an unknown route (and for a known path with the wrong method).
    sendBody(res, 404, 'text/plain', '404 page not found');
  }

  /**
   * One generation: fault roll, queue for a slot, prompt evaluation, then tokens at the configured
   * rate, streamed in chunks or answered whole. The slot is held from acquisition to the last byte.
   */
  async function generate(
    ctx: RequestCtx,
    flavor: Flavor,
    model: SimModel,
    request: GenerationRequest,
    encoder: AnswerEncoder,
    keepAliveMs: number,
    index: number,
  ): Promise<void> {
    const { res, signal } = ctx;
    if (options.requestLog > 0) {
      requestLog.push(request);
      if (requestLog.length > options.requestLog) requestLog.splice(0, requestLog.length - options.requestLog);
    }
    // Keyed by content, a fault is a property of the request (repeatable across runs and modes).
    const roll: FaultRoll = rollFaults(options.faults, options.seed, options.faults.rollBy === 'content' ? contentSeedParts(request, options.seed).reduce((h, x) => mix32(h, x), 0) : index);
    if (roll.error) {
      stats.countFault('error');
      return sendError(res, flavor, 500, RUNNER_ERROR_MESSAGE);
    }
    const loadNs = nsSince(ctx.t0);
    const acquired = await pool.acquire(signal);
    if (!acquired.ok) {
      if (acquired.reason === 'busy') sendError(res, flavor, 503, SERVER_BUSY_MESSAGE);
      else if (!res.destroyed) res.destroy();
      return;
    }
    const { lease } = acquired;
    loaded.begin(model.name);
    try {
      if (roll.hang) {
        stats.countFault('hang');
        await untilAborted(signal);
        return;
      }
      const plan = planCompletion(request, {
        serverSeed: options.seed,
        tokensPerSecond: options.tokensPerSecond,
        promptTokensPerSecond: options.promptTokensPerSecond,
        slowFactor: options.faults.slowFactor,
        malformed: roll.malformed,
        quality: qualityOf(options.quality, model.name),
      });
      if (roll.malformed) stats.countFault('malformed');
      stats.tokensIn += plan.promptTokens;
      if (!(await sleepUntil(lease.acquiredAt + plan.promptEvalNs / 1e6, signal))) return;

      const evalStart = performance.now();
      const msPerToken = plan.evalTokens > 0 ? plan.evalNs / 1e6 / plan.evalTokens : 0;
      const totals = (): AnswerTotals => ({ plan, totalNs: nsSince(ctx.t0), loadNs });

      if (!request.stream) {
        if (!(await sleepUntil(evalStart + plan.evalNs / 1e6, signal))) {
          stats.tokensOut += Math.min(plan.evalTokens, Math.floor((performance.now() - evalStart) / Math.max(msPerToken, 1e-9)));
          return;
        }
        stats.tokensOut += plan.evalTokens;
        const body = encoder.whole(totals());
        if (roll.drop) {
          stats.countFault('drop');
          const bytes = Buffer.from(body, 'utf8');
          res.writeHead(200, { 'Content-Type': encoder.wholeContentType, 'Content-Length': bytes.length });
          return dropAfter(res, bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))));
        }
        sendBody(res, 200, encoder.wholeContentType, body);
        stats.completed++;
        return;
      }

      res.writeHead(200, { 'Content-Type': encoder.streamContentType });
      res.flushHeaders();
      // Each chunk carries the tokens generated in about streamIntervalMs (at least one).
      const perChunk = msPerToken > 0 ? Math.max(1, Math.round(options.streamIntervalMs / msPerToken)) : Math.max(1, plan.evalTokens);
      const pieceCount = Math.ceil(plan.evalTokens / perChunk);
      const dropAt = roll.drop ? Math.floor(pieceCount / 2) : -1;
      let sent = 0;
      for (let i = 0; i <= pieceCount; i++) {
        const last = i === pieceCount;
        const endToken = last ? plan.evalTokens : Math.min(plan.evalTokens, (i + 1) * perChunk);
        if (!(await sleepUntil(evalStart + endToken * msPerToken, signal))) return;
        const bytes = last
          ? encoder.end(totals())
          : encoder.chunk(plan.content.slice(sent * CHARS_PER_TOKEN, endToken * CHARS_PER_TOKEN));
        stats.tokensOut += endToken - sent;
        sent = endToken;
        if (i === dropAt) {
          stats.countFault('drop');
          return dropAfter(res, Buffer.from(bytes.slice(0, Math.max(1, Math.floor(bytes.length / 2))), 'utf8'));
        }
        if (last) res.end(bytes);
        else res.write(bytes);
      }
      stats.completed++;
    } finally {
      lease.release();
      loaded.end(model.name, keepAliveMs);
    }
  }

  /** Writes `partial`, then destroys the socket once it is on the wire: the client sees a cut-off answer. */
  function dropAfter(res: ServerResponse, partial: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const socket = res.socket;
      res.write(partial, () => {
        socket?.destroy();
        resolve();
      });
      // If the socket is already gone the callback may never run.
      socket?.once('close', () => resolve());
    });
  }

  const sim: SimServer = {
    options,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(new UsageError(`[sim] cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const addr = server.address() as AddressInfo;
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ url: `http://${shownHost}:${addr.port}`, port: addr.port });
        });
      });
    },
    close() {
      closing = true;
      for (const c of inFlight) c.abort();
      pool.drain();
      return new Promise((resolve) => {
        if (!server.listening) {
          server.closeAllConnections();
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    stats() {
      const elapsedMs = performance.now() - stats.startedAt;
      const busySlotMs = pool.busyMs();
      const total = Object.values(stats.faults).reduce((a, b) => a + b, 0);
      return {
        requests: { ...stats.requests },
        statuses: { ...stats.statuses },
        busySlotMs,
        elapsedMs,
        slots: options.slots,
        utilization: elapsedMs > 0 ? Math.min(1, busySlotMs / (options.slots * elapsedMs)) : 0,
        tokensIn: stats.tokensIn,
        tokensOut: stats.tokensOut,
        completed: stats.completed,
        faults: { ...stats.faults, total },
        ...pool.counters(),
        active: pool.inUse,
        queued: pool.queued,
      };
    },
    setFaults(partial) {
      const merged = SimFaultsSchema.safeParse({ ...options.faults, ...partial });
      if (!merged.success) throw new UsageError(formatOptionIssues(merged.error, 'faults'));
      options.faults = merged.data;
    },
    requests: () => [...requestLog],
    reset() {
      stats.reset();
      pool.resetCounters();
    },
  };
  return sim;
}

/** Stats key of a request: `METHOD /path` for the sim's routes, undefined for anything else. */
function routeKey(method: string, path: string): string | undefined {
  const known = ['/', '/api/version', '/api/tags', '/api/ps', '/api/show', '/api/chat', '/api/generate', '/v1/chat/completions', '/v1/models'];
  if (known.includes(path)) return `${method} ${path}`;
  if (path.startsWith('/v1/models/')) return `${method} /v1/models/:model`;
  return undefined;
}


/** The quality knobs set for a served model, matched by its canonical name (`gemma3:4b`, `cheap` = `cheap:latest`). */
function qualityOf(quality: SimOptions['quality'], model: string): ModelQuality | undefined {
  for (const [name, q] of Object.entries(quality)) if (canonicalModelName(name) === model) return q;
  return undefined;
}
