import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { UsageError } from '@synthfarm/core';

/** Name of the env var the CLI reads the token from; named once, used in messages. */
export const TOKEN_ENV = 'SYNTHFARM_API_TOKEN';

/** Cookie that carries a dashboard session after `?token=` (scoped to the dashboard path). */
export const UI_SESSION_COOKIE = 'synthfarm_ui';

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

/** The dashboard session value: derived from the token, so the cookie never holds the token itself. */
function sessionValue(token: string): string {
  return createHmac('sha256', token).update('synthfarm ui session v1').digest('base64url');
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/** `?token=` from the raw URL (query parsing of routes does not run for 404s). */
function queryToken(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
}

/** Removes `token=` values from a URL, for logs. */
export function redactTokenInUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

function deny(reply: FastifyReply, error: string): FastifyReply {
  return reply.code(401).header('WWW-Authenticate', 'Bearer realm="synthfarm"').send({ error });
}

function isUnder(url: string, basePath: string): boolean {
  return url === basePath || url.startsWith(`${basePath}/`) || url.startsWith(`${basePath}?`);
}

/**
 * The auth gate, run on every request before routing work. Accepts, in order:
 * `Authorization: Bearer <token>`; on GET, `?token=<token>` (EventSource and browsers cannot set
 * headers); under the dashboard path, the session cookie that a `?token=` visit sets, because the
 * dashboard's own scripts and API calls carry no token. Routes with `config.public` are open.
 * With no token configured (insecure mode, vetted by {@link assertAuthConfig}) everything is open.
 */
export function createAuthHook(opts: { token: string | undefined; uiBasePath: string }): onRequestHookHandler {
  const { token, uiBasePath } = opts;
  const session = token === undefined ? undefined : sessionValue(token);
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (token === undefined || session === undefined) return;
    if (request.routeOptions.config?.public) return;

    const header = request.headers.authorization;
    if (header !== undefined) {
      const presented = bearer(header);
      if (presented !== undefined && tokensEqual(presented, token)) return;
      return deny(reply, 'invalid bearer token');
    }
    const inUi = isUnder(request.url, uiBasePath);
    if (request.method === 'GET' || request.method === 'HEAD') {
      const presented = queryToken(request.url);
      if (presented !== undefined) {
        if (!tokensEqual(presented, token)) return deny(reply, 'invalid token');
        // SameSite=Strict: other sites cannot make the browser send it, so the dashboard's
        // retry/clean buttons (PUT) are not open to cross-site requests.
        if (inUi) reply.header('Set-Cookie', `${UI_SESSION_COOKIE}=${session}; Path=${uiBasePath}; HttpOnly; SameSite=Strict`);
        return;
      }
    }
    if (inUi) {
      const cookie = readCookie(request.headers.cookie, UI_SESSION_COOKIE);
      if (cookie !== undefined && tokensEqual(cookie, session)) return;
    }
    return deny(reply, `missing bearer token: send 'Authorization: Bearer <${TOKEN_ENV}>'`);
  };
}
