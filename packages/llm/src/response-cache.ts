import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BackendUnavailable, createLogger, sha256 } from '@synthfarm/core';
import { canonicalJson } from './canonical-json.js';
import { wrapBackend } from './wrap-backend.js';
import type { GenerateOptions, LlmBackend, LlmRequest, LlmResponse } from './llm-backend.js';

/** Bumped when the stored shape or the key recipe changes, so old entries are simply missed. */
const CACHE_VERSION = 1;

const StoredSchema = z.object({
  v: z.literal(CACHE_VERSION),
  response: z.object({
    text: z.string(),
    truncated: z.literal(false),
    tokensIn: z.number(),
    tokensOut: z.number(),
    latencyMs: z.number(),
    host: z.string(),
  }),
});

/**
 * The cache key of a request on a backend: sha256 of the canonical JSON of (provider, model,
 * request with the backend's defaults filled in). Key order and absent fields do not matter.
 */
export function responseCacheKey(backend: Pick<LlmBackend, 'provider' | 'model' | 'requestDefaults'>, req: LlmRequest): string {
  const d = backend.requestDefaults ?? {};
  const request = {
    system: req.system,
    prompt: req.prompt,
    schema: req.schema,
    maxTokens: req.maxTokens ?? d.maxTokens,
    seed: req.seed,
    temperature: req.temperature ?? d.temperature,
  };
  return sha256(canonicalJson({ v: CACHE_VERSION, provider: backend.provider, model: backend.model, request }));
}

/**
 * Wraps a backend with an on-disk response cache so resumes and reruns are free (DESIGN §7).
 * Entries live at `dir/<first 2 hex of key>/<key>.json`, written to a temp file and renamed, so a
 * crash never leaves half an entry. A hit returns `cached: true` without calling any server and
 * counts in `stats().cacheHits`. Only complete answers are stored: truncated answers, answers to a
 * cut prompt and errors are not. Unreadable entries count as misses and are overwritten; a failed write warns
 * (`process.emitWarning`) and still returns the answer.
 *
 * A host that fails the start-up check does not stop a run whose cache holds answers: a fully
 * cached rerun needs no host. The run goes on (with a warning at `SYNTHFARM_LOG_LEVEL=warn`); a
 * call the cache does not hold fails with the check's own error, so its records are rejected
 * naming the host and how to start one.
 */
export function withResponseCache(backend: LlmBackend, dir: string): LlmBackend {
  let hits = 0;
  let unreachable: BackendUnavailable | undefined;
  const pathOf = (key: string): string => join(dir, key.slice(0, 2), `${key}.json`);

  async function read(key: string): Promise<Omit<LlmResponse, 'cached'> | undefined> {
    let raw: string;
    try {
      raw = await readFile(pathOf(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = StoredSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data.response : undefined;
    } catch {
      return undefined;
    }
  }

  async function write(key: string, res: LlmResponse): Promise<void> {
    const file = pathOf(key);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const { text, truncated, tokensIn, tokensOut, latencyMs, host } = res;
    await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
    try {
      await writeFile(tmp, JSON.stringify({ v: CACHE_VERSION, response: { text, truncated, tokensIn, tokensOut, latencyMs, host } }));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  return wrapBackend(backend, {
    async check(): Promise<void> {
      try {
        await backend.check();
        unreachable = undefined;
      } catch (err) {
        if (!(err instanceof BackendUnavailable) || !(await holdsEntries(dir))) throw err;
        unreachable = err;
        createLogger({ name: 'llm' }).warn({ backend: backend.name }, `${err.message}; going on with the response cache in ${dir}: a call it does not hold will fail`);
      }
    },
    async generate(req: LlmRequest, opts?: GenerateOptions): Promise<LlmResponse> {
      const started = performance.now();
      const key = responseCacheKey(backend, req);
      const hit = await read(key);
      if (hit) {
        hits++;
        return { ...hit, latencyMs: Math.round(performance.now() - started), cached: true };
      }
      if (unreachable) throw unreachable;
      const res = await backend.generate(req, opts);
      if (!res.truncated && !res.promptCut && !res.cached) {
        // The answer is already paid for: a cache that cannot be written must not lose it.
        await write(key, res).catch((err: unknown) =>
          process.emitWarning(`[llm:cache] cannot write ${pathOf(key)}: ${err instanceof Error ? err.message : String(err)}`),
        );
      }
      return res;
    },
    stats() {
      const s = backend.stats();
      return { ...s, cacheHits: s.cacheHits + hits };
    },
  });
}

/** True when the cache directory holds at least one entry directory (`dir/ab/`). */
async function holdsEntries(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir, { withFileTypes: true })).some((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name));
  } catch {
    return false;
  }
}
