import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { UsageError } from '@synthfarm/core';
import { SESSION_COOKIE, type SessionStore } from './session-store.js';

/** Name of the env var the CLI reads the token from; named once, used in messages. */
export const TOKEN_ENV = 'SYNTHFARM_API_TOKEN';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route anyone may call without a token (`/healthz`). */
    public?: boolean;
  }
}

/** True for hosts only this machine can reach: `localhost`, `127.0.0.0/8`, `::1` (also v4-mapped). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0+:){7}0*1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Refuses an auth setup that would expose the farm: no token is allowed only with `insecure`
 * and only on a loopback bind host. Call it before `listen`.
 * @throws UsageError (exit 2) saying what to set.
 */
export function assertAuthConfig(opts: { token?: string | undefined; insecure?: boolean | undefined; host: string }): void {
  if (opts.token !== undefined && opts.token !== '') return;
  if (!opts.insecure) {
    throw new UsageError(`[api] no API token: set ${TOKEN_ENV}, or pass --insecure to serve without auth on a loopback host (127.0.0.1, ::1, localhost)`);
  }
  if (!isLoopbackHost(opts.host)) {
    throw new UsageError(`[api] --insecure serves without auth and is allowed only on a loopback host (127.0.0.1, ::1, localhost), not on '${opts.host}': set ${TOKEN_ENV} instead`);
  }
}

/**
 * Compares a presented secret with the expected one in constant time. Both sides are hashed first
 * so neither the length nor a common prefix of the token leaks through timing.
 */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The browser session id a request carries, if any. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  return readCookie(request.headers.cookie, SESSION_COOKIE);
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/** Removes `token=` values from a URL, for logs (a token pasted into a URL must not reach them). */
export function redactTokenInUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** Methods that change state: a request by cookie must come from this server's own pages. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when the request's `Origin` is this server: its host (and port) equals the `Host` the
 * request was sent to. Browsers send `Origin` on every POST, PUT, PATCH and DELETE, cross-site or
 * not; a missing or `null` Origin is not same-origin. The scheme is not compared, so a TLS proxy
 * in front that keeps the Host header works.
 */
export function isSameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  if (!origin || origin === 'null' || !host) return false;
  try {
    const o = new URL(origin);
    // Host read with the Origin's scheme, so a default port (`:80`, `:443`) compares equal to none.
    return o.host === new URL(`${o.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/** A browser navigating (it asks for HTML) rather than a script or API client. */
function wantsPage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && (request.headers.accept ?? '').includes('text/html');
}

/** Path of the sign-in page; `?next=` is where it returns to. */
export const SIGN_IN_PATH = '/signin';

/** True for a local path a sign-in may send the browser back to (not `//host`, not a URL). */
export function isLocalPath(p: string): boolean {
  return /^\/(?![/\\])[^\s\\]*$/.test(p);
}

function deny(reply: FastifyReply, error: string): FastifyReply {
  return reply.code(401).header('WWW-Authenticate', 'Bearer realm="synthfarm"').send({ error });
}

function refuseCrossOrigin(reply: FastifyReply): FastifyReply {
  return reply.code(403).send({ error: 'cross-origin request refused: a state-changing request signed in by cookie must come from this server\'s pages (Origin header)' });
}

/**
 * The auth gate, run on every request before routing work. Accepts `Authorization: Bearer
 * <token>` (the API's credential), or the browser session cookie that signing in at
 * {@link SIGN_IN_PATH} sets; a request by cookie that changes state (POST, PUT, PATCH, DELETE)
 * must also carry this server's own `Origin`, so no other site can act with a signed-in
 * browser. Without either, a browser asking for a page is sent to sign in (303), anything else
 * gets 401. Routes with `config.public` are open. With no token configured (insecure mode,
 * vetted by {@link assertAuthConfig}) everything is open, but a state-changing request from
 * another origin is still refused.
 */
export function createAuthHook(opts: { token: string | undefined; sessions: SessionStore }): onRequestHookHandler {
  const { token, sessions } = opts;
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (request.routeOptions.config?.public) return;
    const unsafe = !SAFE_METHODS.has(request.method);

    const header = request.headers.authorization;
    if (header !== undefined && token !== undefined) {
      const presented = bearer(header);
      if (presented !== undefined && tokensEqual(presented, token)) return;
      return deny(reply, 'invalid bearer token');
    }
    if (token === undefined) {
      if (unsafe && request.headers.origin !== undefined && !isSameOrigin(request)) return refuseCrossOrigin(reply);
      return;
    }
    const session = sessionCookie(request);
    if (session !== undefined && sessions.valid(session)) {
      if (unsafe && !isSameOrigin(request)) return refuseCrossOrigin(reply);
      return;
    }
    if (wantsPage(request)) {
      const next = isLocalPath(request.url) ? `?next=${encodeURIComponent(request.url)}` : '';
      return reply.code(303).header('Location', `${SIGN_IN_PATH}${next}`).header('Cache-Control', 'no-store').send();
    }
    return deny(reply, `missing bearer token: send 'Authorization: Bearer <${TOKEN_ENV}>', or sign in at ${SIGN_IN_PATH}`);
  };
}
