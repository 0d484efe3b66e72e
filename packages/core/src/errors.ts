/**
 * Error classes that *are* the retry signal. Workers decide what to do by `code` (or class),
 * never by matching message text. Every error crosses processes as {@link SerializedError}.
 */

/** String codes, one per failure kind. Stable: they appear in manifests, rejects and job results. */
export const ErrorCode = {
  Spec: 'SPEC_INVALID',
  Usage: 'USAGE',
  Output: 'OUTPUT_UNWRITABLE',
  OutputWrite: 'OUTPUT_WRITE_FAILED',
  TooManyRejects: 'TOO_MANY_REJECTS',
  /** A dataset with `refill: true` tried its cap of extra records and is still short of its count. */
  RefillExhausted: 'REFILL_EXHAUSTED',
  Interrupted: 'INTERRUPTED',
  UniqueExhausted: 'UNIQUE_EXHAUSTED',
  BackendUnavailable: 'BACKEND_UNAVAILABLE',
  RetryableBackend: 'BACKEND_RETRYABLE',
  InvalidModelOutput: 'INVALID_MODEL_OUTPUT',
  BudgetExceeded: 'BUDGET_EXCEEDED',
  SourceUnreadable: 'SOURCE_UNREADABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Process exit codes (DESIGN §4). */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  BadInput: 2,
  NoBackend: 3,
  /** Stopped by SIGINT (128 + 2, the shell convention). */
  Interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: a message for humans, a code for machines, an exit code for the CLI. */
export class SynthfarmError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  constructor(code: ErrorCode, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A spec (or a value derived from it) breaks a rule. `path` is `datasets[0].fields.age.sd`. */
export class SpecError extends SynthfarmError {
  readonly path: string;
  constructor(path: string, rule: string, options?: { cause?: unknown }) {
    // Rules may quote the spec's own values: cut, so a 5 MB value is never echoed back whole.
    super(ErrorCode.Spec, path ? `${cut(path, 300)}: ${cut(rule, 600)}` : cut(rule, 600), ExitCode.BadInput, options);
    this.path = path;
  }
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** Bad command-line usage or an input file that cannot be read. */
export class UsageError extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Usage, cut(message, 1000), ExitCode.BadInput, options);
  }
}

/** The output directory (or a file in it) cannot be written. */
export class OutputError extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Output, message, ExitCode.BadInput, options);
  }
}

/**
 * Writing an output file failed once the run had begun writing (a full disk, a lost mount):
 * exit 1, not 2, because the spec and the directory were fine. The message names the path.
 */
export class OutputWriteError extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.OutputWrite, message, ExitCode.Failed, options);
  }
}

/** The run was stopped by a signal (SIGINT → exit 130, SIGTERM → 143); its output was not published. */
export class RunInterrupted extends SynthfarmError {
  readonly signal: 'SIGINT' | 'SIGTERM';
  constructor(signal: 'SIGINT' | 'SIGTERM', message: string) {
    super(ErrorCode.Interrupted, message, signal === 'SIGINT' ? ExitCode.Interrupted : ExitCode.Terminated);
    this.signal = signal;
  }
}

/** A `unique` field ran out of distinct values: the spec asks for more than its value space holds. */
export class UniqueExhaustedError extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.UniqueExhausted, message, ExitCode.BadInput, options);
  }
}

/** No host of a backend can serve: unreachable, or the model is missing. Not retried. */
export class BackendUnavailable extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BackendUnavailable, message, ExitCode.NoBackend, options);
  }
}

/** A transient backend failure (5xx, 429, 503 busy, timeout, reset): retry after `retryAfterMs`. */
export class RetryableBackendError extends SynthfarmError {
  /** Server-requested delay before the next attempt, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  constructor(message: string, opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(ErrorCode.RetryableBackend, message, ExitCode.Failed, { cause: opts.cause });
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The model answered, but not with what the schema asks for. Repaired, escalated, then rejected. */
export class InvalidModelOutput extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidModelOutput, message, ExitCode.Failed, options);
  }
}

/** The run's `--max-cost` would be exceeded: stop taking work, finish what is in flight. */
export class BudgetExceeded extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BudgetExceeded, message, ExitCode.Failed, options);
  }
}

/** The shape in which an error crosses a thread, process or queue boundary. */
export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
  exitCode: ExitCode;
  path?: string;
}

/**
 * A legacy source (CSV/JSONL file, PostgreSQL database, table or query) cannot be read: missing
 * file, wrong password, missing table. Exit 2, found before anything is written. The message
 * names the source (`[source:postgres 127.0.0.1:5432/legacy] table "custmers" does not exist`),
 * never a password.
 */
export class SourceError extends SynthfarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.SourceUnreadable, cut(message, 1000), ExitCode.BadInput, options);
  }
}

/** Turns any thrown value into a {@link SerializedError}; unknown errors become `INTERNAL`. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof SynthfarmError) {
    const out: SerializedError = { name: err.name, code: err.code, message: err.message, exitCode: err.exitCode };
    if (err instanceof SpecError) out.path = err.path;
    return out;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { name: 'Error', code: ErrorCode.Internal, message, exitCode: ExitCode.Failed };
}

/** Rebuilds a typed error from its serialized form so callers can `instanceof` it again. */
export function deserializeError(e: SerializedError): SynthfarmError {
  switch (e.code) {
    case ErrorCode.Spec: {
      const err = new SpecError('', e.message);
      return Object.assign(err, { path: e.path ?? '' });
    }
    case ErrorCode.Usage: return new UsageError(e.message);
    case ErrorCode.Output: return new OutputError(e.message);
    case ErrorCode.OutputWrite: return new OutputWriteError(e.message);
    case ErrorCode.UniqueExhausted: return new UniqueExhaustedError(e.message);
    case ErrorCode.BackendUnavailable: return new BackendUnavailable(e.message);
    case ErrorCode.RetryableBackend: return new RetryableBackendError(e.message);
    case ErrorCode.InvalidModelOutput: return new InvalidModelOutput(e.message);
    case ErrorCode.BudgetExceeded: return new BudgetExceeded(e.message);
    case ErrorCode.SourceUnreadable: return new SourceError(e.message);
    default: return new SynthfarmError(ErrorCode.Internal, e.message, ExitCode.Failed);
  }
}

/** True for errors a caller should try again (by code, never by message). */
export function isRetryable(err: unknown): boolean {
  return err instanceof SynthfarmError && err.code === ErrorCode.RetryableBackend;
}
