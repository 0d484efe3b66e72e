import { BackendUnavailable, ErrorCode, ExitCode, RetryableBackendError, SynthfarmError } from '@synthfarm/core';

/** Longest piece of a server's error text quoted in a message. */
const MAX_DETAIL = 300;

/** Removes every occurrence of `secret` (an API key) from `text`; shortens long server text. */
export function scrub(text: string, secret: string | undefined): string {
  let out = secret && secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL)}…` : out;
}

/** Options of {@link errorForStatus}. */
export interface StatusErrorOptions {
  /** Server-requested delay in milliseconds (`Retry-After`). */
  retryAfterMs?: number;
  /** The configured model, named in 404 messages. */
  model: string;
  /** How to get the model onto a host, e.g. "pull it with `ollama pull gemma3:4b`". */
  modelHint: string;
  cause?: unknown;
}

/**
 * The error an HTTP status means for a backend call, by status, never by text:
 * 408/409/425/429/5xx (503 = Ollama "server busy") are {@link RetryableBackendError};
 * 401/403 and 404 (model not found) are {@link BackendUnavailable}; any other 4xx is a request the
 * server refuses, which retrying will not fix. `detail` must already be scrubbed of secrets.
 */
export function errorForStatus(prefix: string, status: number, detail: string, opts: StatusErrorOptions): SynthfarmError {
  const text = detail ? ` ${detail}` : '';
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) {
    return new RetryableBackendError(`${prefix} ${status}${text}`, {
      status,
      ...(opts.retryAfterMs !== undefined ? { retryAfterMs: opts.retryAfterMs } : {}),
      cause: opts.cause,
    });
  }
  if (status === 401 || status === 403) {
    // The server's text may quote part of the key; it is left out on purpose and so is the cause.
    return new BackendUnavailable(`${prefix} ${status} not authorized: check the backend's apiKey`);
  }
  if (status === 404) {
    return new BackendUnavailable(`${prefix} 404${text}: model "${opts.model}" is not served here; ${opts.modelHint}`, { cause: opts.cause });
  }
  return new SynthfarmError(ErrorCode.Internal, `${prefix} ${status} request refused:${text || ' (no detail)'}`, ExitCode.Failed, { cause: opts.cause });
}

/**
 * A failure below HTTP (refused, reset, DNS, TLS, dropped mid-answer) as a retryable error naming
 * the low-level code (`ECONNREFUSED`, `UND_ERR_SOCKET`) when there is one.
 */
export function transportError(prefix: string, err: unknown, secret?: string): RetryableBackendError {
  return new RetryableBackendError(`${prefix} connection failed: ${scrub(describeCause(err), secret)}`, { cause: err });
}

/** The most specific code or message in an error's cause chain, e.g. `ECONNREFUSED`. */
export function describeCause(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e === 'object') {
      const rec = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
      // AggregateError (happy eyeballs over IPv4 and IPv6) keeps the real reasons in `errors`.
      const inner = Array.isArray(rec.errors) ? (rec.errors[0] as unknown) : undefined;
      if (typeof rec.code === 'string') return rec.code;
      if (typeof rec.message === 'string' && rec.message) parts.push(rec.message);
      e = rec.cause ?? inner;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.at(-1) ?? 'unknown error';
}

/**
 * Low-level codes of a connection that failed or broke: Node's socket errnos and undici's
 * transport errors. A request that met one of these may be sent again (to the same or another host).
 */
const CONNECTION_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/**
 * True when `err` (or an error in its `cause` chain, or in an AggregateError's `errors`) carries a
 * connection failure code: refused, reset, or a socket closed while the answer was still being
 * read (undici's `TypeError: terminated` has the `UND_ERR_SOCKET` "other side closed" as its cause).
 * Decided by code, never by message text.
 */
export function isConnectionFailure(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e) || seen.size > 10) continue;
    seen.add(e);
    const rec = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof rec.code === 'string' && CONNECTION_CODES.has(rec.code)) return true;
    queue.push(rec.cause);
    if (Array.isArray(rec.errors)) queue.push(...(rec.errors as unknown[]));
  }
  return false;
}
