import { WaitingError, type Job } from 'bullmq';

/**
 * Gives a batch back to its queue without spending one of its attempts, the way BullMQ's
 * authors document it for a job a worker takes but must not run now: move it from active back to
 * wait under the lock's token, then throw `WaitingError` so the worker neither completes nor
 * fails it. Other workers take it at once; `attemptsMade` is unchanged (only real failures count
 * towards `BATCH_ATTEMPTS`). Used for a host on cooldown and for a worker draining on SIGTERM.
 * @param token the lock token BullMQ passed to the processor
 * @param why what the thrown error says (it is not logged as a failure)
 */
export async function handBack(job: Job, token: string | undefined, why: string): Promise<never> {
  await job.moveToWait(token);
  throw new WaitingError(why);
}
