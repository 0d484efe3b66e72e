import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { deserializeError } from '@synthfarm/core';
import { currentSpecLimits, limitError, type LoadedSpec, type SpecLimits } from '@synthfarm/spec';
import type { SpecValidationResult, SpecValidationTask } from './spec-validator-worker.js';

/**
 * Parses and checks spec text on a worker thread, so a server's event loop keeps answering
 * (`/healthz`, event streams) while the heaviest spec the limits allow is validated. The thread's
 * heap is capped at `validateMemoryMb` and a spec taking longer than `validateMs` is stopped:
 * both are SpecErrors naming the limit (HTTP 400), and the thread is replaced.
 */
export interface SpecValidator {
  /**
   * Same result and errors as `parseSpecText` + `checkCompiles` in-process.
   * @param env what `${VAR}` may read (a server passes none).
   */
  validate(text: string, source: string, opts?: { env?: NodeJS.ProcessEnv }): Promise<LoadedSpec>;
  close(): Promise<void>;
}

// Under vitest the sources are .ts; worker threads run the built .js next to them in dist/.
function workerFile(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../dist/spec-validator-worker.js', here) : new URL('./spec-validator-worker.js', here);
  return fileURLToPath(url);
}

/**
 * @param opts.limits default this process's limits ({@link currentSpecLimits}) when created.
 * @param opts.threads validator threads, default 1: validation takes one core at most.
 */
export function createSpecValidator(opts: { limits?: SpecLimits; threads?: number } = {}): SpecValidator {
  const limits = opts.limits ?? currentSpecLimits();
  const threads = opts.threads ?? 1;
  const pool = new Piscina<SpecValidationTask, SpecValidationResult>({
    filename: workerFile(),
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: limits.validateMemoryMb },
  });
  return {
    async validate(text, source, { env = {} } = {}) {
      let res: SpecValidationResult;
      try {
        res = await pool.run({ text, source, env: { ...env }, limits }, { signal: AbortSignal.timeout(limits.validateMs) });
      } catch (err) {
        const e = err as { name?: string; code?: string; message?: string };
        if (e.name === 'AbortError' || e.name === 'TimeoutError') throw limitError('', `validating ${source} took longer than ${limits.validateMs} ms, which`, 'validateMs', limits);
        if (e.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(e.message ?? '')) throw limitError('', `validating ${source} needed more than ${limits.validateMemoryMb} MB, which`, 'validateMemoryMb', limits);
        throw err;
      }
      if ('error' in res) throw deserializeError(res.error);
      return res.loaded;
    },
    close: () => pool.destroy(),
  };
}
