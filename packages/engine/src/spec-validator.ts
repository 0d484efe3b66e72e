import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deserializeError } from '@synthfarm/core';
import { oneAtATime } from '@synthfarm/core/one-at-a-time';
import { currentSpecLimits, limitError, type FarmPolicy, type LoadedSpec, type SpecLimits } from '@synthfarm/spec';
import type { SpecValidationResult, SpecValidationTask } from './spec-validator-worker.js';

/**
 * Parses and checks spec text on a worker thread, so a server's event loop keeps answering
 * (`/healthz`, event streams) while the heaviest spec the limits allow is validated. Specs are
 * checked one at a time (one core at most); the thread's heap is capped at `validateMemoryMb`
 * and a spec whose check takes longer than `validateMs` (waiting for its turn not counted) is
 * stopped: both are SpecErrors naming the limit (HTTP 400), and the thread is replaced.
 */
export interface SpecValidator {
  /**
   * Same result and errors as `loadSpec` in-process.
   * @param env what `${VAR}` may read (a server passes none).
   * @param farmPolicy the operator's policy a submitted spec is checked against (DESIGN §11).
   */
  validate(text: string, source: string, opts?: { env?: NodeJS.ProcessEnv; farmPolicy?: FarmPolicy }): Promise<LoadedSpec>;
  close(): Promise<void>;
}

// Under vitest the sources are .ts; worker threads run the built .js next to them in dist/.
function workerFile(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../dist/spec-validator-worker.js', here) : new URL('./spec-validator-worker.js', here);
  return fileURLToPath(url);
}

interface Thread {
  worker: Worker;
  ready: Promise<void>;
}

/** @param opts.limits default this process's limits ({@link currentSpecLimits}) when created. */
export function createSpecValidator(opts: { limits?: SpecLimits } = {}): SpecValidator {
  const limits = opts.limits ?? currentSpecLimits();
  let thread: Thread | undefined;
  let closed = false;

  const start = (): Thread => {
    const worker = new Worker(workerFile(), { resourceLimits: { maxOldGenerationSizeMb: limits.validateMemoryMb } });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`[spec-validator] thread exited with code ${code} before it was ready`)));
    });
    ready.catch(() => undefined);
    return { worker, ready };
  };

  const runOne = async (task: SpecValidationTask): Promise<SpecValidationResult> => {
    if (closed) throw new Error('[spec-validator] closed');
    const t = (thread ??= start());
    await t.ready;
    return new Promise<SpecValidationResult>((resolve, reject) => {
      const stop = (err: Error) => {
        cleanup();
        if (thread === t) thread = undefined;
        void t.worker.terminate();
        reject(err);
      };
      const timer = setTimeout(() => stop(limitError('', `validating ${task.source} took longer than ${limits.validateMs} ms, which`, 'validateMs', limits)), limits.validateMs);
      const onMessage = (res: SpecValidationResult) => {
        cleanup();
        resolve(res);
      };
      const onError = (err: Error & { code?: string }) =>
        stop(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? limitError('', `validating ${task.source} needed more than ${limits.validateMemoryMb} MB, which`, 'validateMemoryMb', limits) : err);
      const onExit = (code: number) => stop(new Error(`[spec-validator] thread exited with code ${code}`));
      const cleanup = () => {
        clearTimeout(timer);
        t.worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      t.worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      t.worker.ref();
      t.worker.postMessage(task);
    }).finally(() => t.worker.unref());
  };

  /** One spec at a time on the thread, in the order they came. */
  const inTurn = oneAtATime(runOne);

  return {
    async validate(text, source, { env = {}, farmPolicy } = {}) {
      const task: SpecValidationTask = { text, source, env: { ...env }, limits, ...(farmPolicy ? { farmPolicy } : {}) };
      const res = await inTurn(task);
      if ('error' in res) throw deserializeError(res.error);
      return res.loaded;
    },
    async close() {
      closed = true;
      await inTurn.idle();
      await thread?.worker.terminate();
      thread = undefined;
    },
  };
}
