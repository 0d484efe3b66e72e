/** Thread entry of the spec validator: parse, validate and compile-check one spec at a time. */
import { parentPort } from 'node:worker_threads';
import { serializeError, type SerializedError } from '@synthfarm/core';
import type { FarmPolicy, LoadedSpec, SpecLimits } from '@synthfarm/spec';
import { loadSpec } from './load-checked-spec.js';

/** One spec to check, as it crosses to the validator thread. */
export interface SpecValidationTask {
  text: string;
  source: string;
  env: Record<string, string | undefined>;
  limits: SpecLimits;
  /** A submitted spec's farm policy (Maps and Sets cross threads by structured clone). */
  farmPolicy?: FarmPolicy;
}

/** The validated spec, or the error to rethrow on the calling thread. */
export type SpecValidationResult = { loaded: LoadedSpec } | { error: SerializedError };

/** Checks one spec; never throws. */
export async function validateTask(task: SpecValidationTask): Promise<SpecValidationResult> {
  try {
    return { loaded: await loadSpec({ text: task.text, source: task.source }, { env: task.env, limits: task.limits, ...(task.farmPolicy ? { farmPolicy: task.farmPolicy } : {}) }) };
  } catch (err) {
    return { error: serializeError(err) };
  }
}

// Loaded: say so, so the caller's clock (validateMs) starts with the work, not the thread's start.
if (parentPort) {
  const port = parentPort;
  port.on('message', (task: SpecValidationTask) => {
    void validateTask(task).then((res) => port.postMessage(res));
  });
  port.postMessage('ready');
}
