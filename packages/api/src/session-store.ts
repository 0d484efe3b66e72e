import { createHash, randomBytes } from 'node:crypto';

/** Name of the browser session cookie (HTTP-only, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = 'synthfarm_session';

/** How long a browser session lasts after sign-in, in milliseconds. Default 12 hours. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Most sessions held at once; signing in beyond it ends the oldest. Bounds the server's memory. */
export const MAX_SESSIONS = 10_000;

/**
 * Browser sessions of `synthfarm serve`: random ids, held in memory by the server (a restart signs
 * everyone out). The cookie carries only the id, never the API token, and signing out ends the
 * session on the server, not only in the browser. Ids are kept hashed, so a lookup's timing says
 * nothing about the ids held.
 */
export interface SessionStore {
  /** Starts a session; returns the id to put in the cookie. */
  create(now?: number): string;
  /** True for the id of a session that has not expired or been revoked. */
  valid(id: string, now?: number): boolean;
  /** Ends the session (sign-out). Unknown ids are ignored. */
  revoke(id: string): void;
}

const digest = (id: string): string => createHash('sha256').update(id).digest('base64url');

/** An in-memory {@link SessionStore}. `ttlMs` and `max` default to {@link SESSION_TTL_MS} and {@link MAX_SESSIONS}. */
export function createSessionStore(opts: { ttlMs?: number; max?: number } = {}): SessionStore {
  const ttlMs = opts.ttlMs ?? SESSION_TTL_MS;
  const max = opts.max ?? MAX_SESSIONS;
  /** digest → expiry (ms since epoch), oldest first (Map keeps insertion order). */
  const sessions = new Map<string, number>();
  return {
    create(now = Date.now()) {
      for (const [key, expires] of sessions) {
        if (expires > now && sessions.size < max) break;
        sessions.delete(key);
      }
      const id = randomBytes(32).toString('base64url');
      sessions.set(digest(id), now + ttlMs);
      return id;
    },
    valid(id, now = Date.now()) {
      const key = digest(id);
      const expires = sessions.get(key);
      if (expires === undefined) return false;
      if (expires > now) return true;
      sessions.delete(key);
      return false;
    },
    revoke(id) {
      sessions.delete(digest(id));
    },
  };
}
