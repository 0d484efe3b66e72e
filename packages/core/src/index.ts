export { ErrorCode, ExitCode, SynthfarmError, SpecError, UsageError, OutputError, OutputWriteError, RunInterrupted, SourceError, UniqueExhaustedError, BackendUnavailable, RetryableBackendError, InvalidModelOutput, serializeError, deserializeError, isRetryable } from './errors.js';
export type { SerializedError } from './errors.js';
export { hash53, mix32, sha256 } from './hash.js';
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { parseOptions, intOption } from './parse-options.js';
