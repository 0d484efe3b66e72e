import { ErrorCode, ExitCode, SynthfarmError } from '@synthfarm/core/errors';

/**
 * A code thread died with a task on it (killed, crashed): the task did not fail, its thread did.
 * Tasks are pure functions of their input, so the thread executor runs the batch again (as
 * BullMQ retries a stalled job), at most {@link THREAD_TASK_ATTEMPTS} times in all.
 */
export class ThreadLost extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Internal, message, ExitCode.Failed, options);
  }
}

/** Runs a batch gets when its code thread dies under it. */
export const THREAD_TASK_ATTEMPTS = 3;

/** Wait before the n-th retry of a batch whose thread died: n times this, in milliseconds. */
export const THREAD_RETRY_DELAY_MS = 100;

/**
 * Piscina's error for a task whose thread exited is made on this thread and carries no code
 * (`worker exited with code: N`, piscina/src/index.ts onWorkerExit); an error the task threw
 * comes from the thread instead. This is the one place that tells them apart by message.
 */
export function asThreadLost(err: unknown): unknown {
  if (err instanceof Error && !(err instanceof SynthfarmError) && /^worker exited with code: -?\d+$/.test(err.message)) {
    return new ThreadLost(`[run] a code thread died with a batch on it (${err.message}); running the batch again`, { cause: err });
  }
  return err;
}
