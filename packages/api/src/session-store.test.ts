import { describe, expect, it } from 'vitest';
import { createSessionStore } from './session-store.js';

describe('createSessionStore', () => {
  it('a new session is valid until its time is up; an unknown id never is', () => {
    const store = createSessionStore({ ttlMs: 1000 });
    const id = store.create(0);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.valid(id, 999)).toBe(true);
    expect(store.valid(id, 1000)).toBe(false);
    expect(store.valid(id, 10)).toBe(false); // expired sessions are forgotten, not revived
    expect(store.valid('made-up', 0)).toBe(false);
  });

  it('revoke ends a session at once (sign-out)', () => {
    const store = createSessionStore();
    const id = store.create();
    store.revoke(id);
    expect(store.valid(id)).toBe(false);
  });

  it('holds at most max sessions: the oldest ends first', () => {
    const store = createSessionStore({ max: 2 });
    const [a, b, c] = [store.create(0), store.create(1), store.create(2)];
    expect([store.valid(a, 3), store.valid(b, 3), store.valid(c, 3)]).toEqual([false, true, true]);
  });
});
