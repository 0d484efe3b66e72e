import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLocalPath, isSameOrigin, sessionCookie, SIGN_IN_PATH, tokensEqual } from './auth.js';
import { html, sendPage } from './html.js';
import { SESSION_COOKIE, SESSION_TTL_MS, type SessionStore } from './session-store.js';

/** Longest sign-in form body, in bytes: a token and a return path. */
const SIGN_IN_BODY_LIMIT = 8 * 1024;

function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  // Secure only over TLS: on plain http (loopback) a Secure cookie would never be sent back.
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function nextPath(v: unknown): string {
  return typeof v === 'string' && isLocalPath(v) && !v.startsWith(SIGN_IN_PATH) ? v : '/';
}

function signInPage(reply: FastifyReply, next: string, error?: string): FastifyReply {
  const body = html`<section class="signin">
<h1>Sign in</h1>
<p class="hint">Paste the server's API token (<code>SYNTHFARM_API_TOKEN</code>). The browser keeps a session cookie, not the token.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${SIGN_IN_PATH}">
<input type="hidden" name="next" value="${next}">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</section>`;
  return sendPage(reply, { title: 'Sign in', body, bodyClass: 'page-signin' }, error ? 401 : 200);
}

/**
 * The browser sign-in: `GET /signin` (the form), `POST /signin` (checks the token, sets the
 * session cookie, returns to `next`), `POST /signout` (ends the session). A sign-in posted from
 * another site's page is refused (Origin), so no site can sign a browser in to this server.
 * With no token configured (insecure mode) there is nothing to sign in to: `/signin` goes to `/`.
 */
export function registerSessionRoutes(app: FastifyInstance, opts: { token: string | undefined; sessions: SessionStore }): void {
  const { token, sessions } = opts;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: SIGN_IN_BODY_LIMIT }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get<{ Querystring: { next?: string } }>(SIGN_IN_PATH, { config: { public: true } }, async (request, reply) => {
    const next = nextPath(request.query.next);
    if (token === undefined) return reply.code(303).header('Location', next).send();
    const current = sessionCookie(request);
    if (current !== undefined && sessions.valid(current)) return reply.code(303).header('Location', next).send();
    return signInPage(reply, next);
  });

  app.post(SIGN_IN_PATH, { config: { public: true } }, async (request, reply) => {
    if (request.headers.origin !== undefined && !isSameOrigin(request)) {
      return reply.code(403).send({ error: 'cross-origin sign-in refused' });
    }
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    const next = nextPath(body.next);
    if (token === undefined) return reply.code(303).header('Location', next).send();
    if (typeof body.token !== 'string' || !tokensEqual(body.token.trim(), token)) {
      request.log.warn({ ip: request.ip }, 'sign-in refused: wrong token');
      return signInPage(reply, next, 'That token is not the API token of this server.');
    }
    const id = sessions.create();
    request.log.info({ ip: request.ip }, 'signed in');
    return reply.code(303).header('Set-Cookie', cookie(request, id, Math.floor(SESSION_TTL_MS / 1000))).header('Location', next).send();
  });

  // Behind the auth gate: only a signed-in page of this server (same Origin) can sign out.
  app.post('/signout', async (request, reply) => {
    const current = sessionCookie(request);
    if (current !== undefined) sessions.revoke(current);
    return reply.code(303).header('Set-Cookie', cookie(request, '', 0)).header('Location', SIGN_IN_PATH).send();
  });
}
