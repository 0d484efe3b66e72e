/** Piscina worker entry of the spec validator: parse, validate and compile-check one spec. */
import { serializeError, type SerializedError } from '@synthfarm/core';
import { checkCompiles } from '@synthfarm/codegen';
import { parseSpecText, type LoadedSpec, type SpecLimits } from '@synthfarm/spec';

/** One spec to check, as it crosses to the validator thread. */
export interface SpecValidationTask {
  text: string;
  source: string;
  env: Record<string, string | undefined>;
  limits: SpecLimits;
}

/** The validated spec, or the error to rethrow on the calling thread. */
export type SpecValidationResult = { loaded: LoadedSpec } | { error: SerializedError };

export default async function run(task: SpecValidationTask): Promise<SpecValidationResult> {
  try {
    const loaded = parseSpecText(task.text, task.source, { env: task.env, limits: task.limits });
    await checkCompiles(loaded.spec, task.limits);
    return { loaded };
  } catch (err) {
    return { error: serializeError(err) };
  }
}
