import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type IDisposable,
} from 'cockatiel';
import { BackendUnavailable, RetryableBackendError } from '@synthfarm/core';
import type { CircuitStateName } from './backend-stats.js';
import type { HostStateName } from './llm-backend.js';

/** Options of {@link createHostPool}. */
export interface HostPoolOptions {
  /** Host labels (URLs without credentials), in spec order. At least one. */
  hosts: readonly string[];
  /** Concurrent requests per host (spec `slots`, Ollama `OLLAMA_NUM_PARALLEL`). */
  slots: number;
  /** Consecutive host faults that open a host's circuit. Default 5. */
  breakerThreshold?: number;
  /**
   * How long an open circuit stays open before one half-open probe request is let through, in
   * milliseconds. Also the longest a request waits when every host's circuit is open (plus the
   * time of a probe already out, whose answer decides). Default 10 000.
   */
  breakerCooldownMs?: number;
  /**
   * Which errors count against a host's circuit (the host is down or broken), as opposed to errors
   * about the request or the load (bad request, 503 busy, 429). Decided by class/code, not text.
   */
  isHostFault: (err: unknown) => boolean;
  /** Message prefix naming the component, e.g. `[backend:fast]`. */
  prefix: string;
  /** Told when a host's circuit opens, half-opens or closes (for logs). */
  onCircuitChange?: (host: string, state: CircuitStateName) => void;
  /** Told the same changes in the run event log's terms (`down` for a host isolated by markDown). */
  onHostState?: (host: string, state: HostStateName) => void;
}

/** Defaults of {@link HostPoolOptions}, in one place. */
export const HOST_POOL_DEFAULTS = { breakerThreshold: 5, breakerCooldownMs: 10_000 } as const;

/** Options of one {@link HostPool.use} call. */
export interface HostUseOptions {
  /**
   * Hosts this request already failed on: another host is chosen when one is usable (waiting for
   * its slot if needed); these are used again only when no other host is usable.
   */
  avoid?: ReadonlySet<string>;
  /** Aborts the wait for a slot (and is passed on to the work). */
  signal?: AbortSignal;
}

/**
 * Several hosts of one backend, each with `slots` concurrent requests and its own circuit breaker
 * (cockatiel `ConsecutiveBreaker`). A request goes to the usable host with the most free slots;
 * when all are busy it waits, first come first served. An open host gets no work until its
 * cooldown ends, then one probe request decides whether it closes again.
 */
export interface HostPool {
  /** Host labels in spec order. */
  readonly hosts: readonly string[];
  /** Waits for a slot on the best host, runs `fn` there through the host's breaker, frees the slot. */
  use<T>(fn: (host: string) => Promise<T>, opts?: HostUseOptions): Promise<T>;
  /** Takes a host out of rotation (check() found it unreachable or without the model) until {@link markUp}. */
  markDown(host: string): void;
  /** Puts a host marked down back into rotation. */
  markUp(host: string): void;
  /** The host's circuit for stats; a host marked down is `open`. */
  circuit(host: string): CircuitStateName;
  /** Fails every waiting request with `BackendUnavailable` and refuses new ones. */
  close(): void;
}

interface PoolHost {
  readonly url: string;
  readonly breaker: CircuitBreakerPolicy;
  active: number;
  dispatched: number;
  probing: boolean;
  openedAt: number;
  down: IDisposable | undefined;
}

interface Waiter {
  readonly avoid: ReadonlySet<string> | undefined;
  readonly resolve: (lease: Lease) => void;
  readonly reject: (err: unknown) => void;
  allOpenSince: number | undefined;
}

interface Lease {
  readonly host: PoolHost;
  /** This request is the half-open probe of an open host. */
  readonly probe: boolean;
}

type Choice = { host: PoolHost } | { wait: 'busy' | 'all-open' } | { none: true };

/** Builds a {@link HostPool}. */
export function createHostPool(opts: HostPoolOptions): HostPool {
  if (opts.hosts.length === 0) throw new BackendUnavailable(`${opts.prefix} no hosts configured: set hosts or baseUrl`);
  const threshold = opts.breakerThreshold ?? HOST_POOL_DEFAULTS.breakerThreshold;
  const cooldownMs = opts.breakerCooldownMs ?? HOST_POOL_DEFAULTS.breakerCooldownMs;
  const waiters: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const hosts: PoolHost[] = opts.hosts.map((url) => {
    const breaker = circuitBreaker(handleWhen(opts.isHostFault), {
      halfOpenAfter: cooldownMs,
      breaker: new ConsecutiveBreaker(threshold),
    });
    const host: PoolHost = { url, breaker, active: 0, dispatched: 0, probing: false, openedAt: 0, down: undefined };
    // Recorded after cockatiel records its own time, so "cooldown over" here implies it there too.
    breaker.onBreak(() => (host.openedAt = Date.now()));
    breaker.onStateChange((s) => {
      opts.onCircuitChange?.(url, stateName(s));
      opts.onHostState?.(url, s === CircuitState.Isolated ? 'down' : s === CircuitState.Closed ? 'up' : s === CircuitState.HalfOpen ? 'half_open' : 'circuit_open');
      pump();
    });
    return host;
  });
  const byUrl = new Map(hosts.map((h) => [h.url, h]));

  function stateName(s: CircuitState): CircuitStateName {
    return s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  /** 'ready' hosts may take work now (closed, or open with its cooldown over and no probe yet). */
  function readiness(h: PoolHost, now: number): 'ready' | 'probe' | 'open' | 'down' {
    if (h.down) return 'down';
    const s = h.breaker.state;
    if (s === CircuitState.Closed) return 'ready';
    if (s === CircuitState.Open && !h.probing && now - h.openedAt >= cooldownMs) return 'probe';
    return 'open';
  }

  function choose(avoid: ReadonlySet<string> | undefined, now: number): Choice {
    const usable = hosts.map((h) => ({ h, r: readiness(h, now) })).filter((x) => x.r === 'ready' || x.r === 'probe');
    if (usable.length === 0) return hosts.every((h) => h.down) ? { none: true } : { wait: 'all-open' };
    const preferred = avoid ? usable.filter((x) => !avoid.has(x.h.url)) : usable;
    const pool = preferred.length > 0 ? preferred : usable;
    let best: { h: PoolHost; free: number; probe: boolean } | undefined;
    for (const { h, r } of pool) {
      const free = (r === 'probe' ? 1 : opts.slots) - h.active;
      if (free <= 0) continue;
      const c = { h, free, probe: r === 'probe' };
      // A probe first (one request tells whether the host is back), then most free slots, then
      // the host that got less work so far, so idle hosts share the load evenly.
      if (
        !best ||
        (c.probe && !best.probe) ||
        (c.probe === best.probe && (c.free > best.free || (c.free === best.free && h.dispatched < best.h.dispatched)))
      ) {
        best = c;
      }
    }
    return best ? { host: best.h } : { wait: 'busy' };
  }

  function probeInFlight(): boolean {
    return hosts.some((h) => !h.down && (h.probing || h.breaker.state === CircuitState.HalfOpen));
  }

  function allOpenMessage(): string {
    const parts = hosts.map((h) => {
      const last = h.breaker.lastFailure;
      const why = last && 'error' in last && last.error instanceof Error ? `: ${last.error.message}` : '';
      return `${h.url} ${h.down ? 'marked down by check()' : `circuit ${stateName(h.breaker.state)}`}${why}`;
    });
    return `${opts.prefix} no usable host after waiting ${cooldownMs} ms (breakerCooldownMs): ${parts.join('; ')}`;
  }

  function pump(): void {
    if (closed) return;
    const now = Date.now();
    for (const w of [...waiters]) {
      const c = choose(w.avoid, now);
      if ('host' in c) {
        waiters.splice(waiters.indexOf(w), 1);
        const h = c.host;
        const probe = readiness(h, now) === 'probe';
        h.active++;
        h.dispatched++;
        if (probe) h.probing = true;
        w.resolve({ host: h, probe });
      } else if ('none' in c) {
        waiters.splice(waiters.indexOf(w), 1);
        w.reject(new BackendUnavailable(`${opts.prefix} no usable host: ${hosts.map((h) => h.url).join(', ')} all marked down by check()`));
      } else if (c.wait === 'all-open') {
        w.allOpenSince ??= now;
        // While a probe is out, its answer decides: success closes the circuit and serves the waiters.
        if (now - w.allOpenSince >= cooldownMs && !probeInFlight()) {
          waiters.splice(waiters.indexOf(w), 1);
          w.reject(new BackendUnavailable(allOpenMessage()));
        }
      } else {
        w.allOpenSince = undefined;
      }
    }
    schedule(now);
  }

  /** Wakes the queue when a cooldown ends or a waiter's all-open deadline passes. */
  function schedule(now: number): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (waiters.length === 0) return;
    let at = Infinity;
    for (const h of hosts) {
      if (!h.down && h.breaker.state === CircuitState.Open && !h.probing) at = Math.min(at, h.openedAt + cooldownMs);
    }
    // A probe out wakes the queue itself when it ends.
    if (!probeInFlight()) for (const w of waiters) if (w.allOpenSince !== undefined) at = Math.min(at, w.allOpenSince + cooldownMs);
    if (at === Infinity) return;
    timer = setTimeout(pump, Math.max(1, at - now + 1));
  }

  function acquire(avoid: ReadonlySet<string> | undefined, signal: AbortSignal | undefined): Promise<Lease> {
    if (closed) return Promise.reject(new BackendUnavailable(`${opts.prefix} backend is closed`));
    signal?.throwIfAborted();
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = (): void => {
        const i = waiters.indexOf(w);
        if (i >= 0) waiters.splice(i, 1);
        reject(signal?.reason);
      };
      const w: Waiter = {
        avoid,
        allOpenSince: undefined,
        resolve: (lease) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lease);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.push(w);
      pump();
    });
  }

  return {
    hosts: opts.hosts,
    async use(fn, useOpts = {}) {
      const { host: h, probe } = await acquire(useOpts.avoid, useOpts.signal);
      try {
        return await h.breaker.execute(() => fn(h.url));
      } catch (err) {
        if (err instanceof BrokenCircuitError) {
          // The circuit opened between choosing this host and calling it: let the retry move on.
          throw new RetryableBackendError(`${opts.prefix} ${h.url} circuit open`, { cause: err });
        }
        throw err;
      } finally {
        h.active--;
        if (probe) h.probing = false;
        pump();
      }
    },
    markDown(url) {
      const h = byUrl.get(url);
      if (h && !h.down) h.down = h.breaker.isolate();
      pump();
    },
    markUp(url) {
      const h = byUrl.get(url);
      if (h?.down) {
        h.down.dispose();
        h.down = undefined;
      }
      pump();
    },
    circuit(url) {
      const h = byUrl.get(url);
      if (!h) return 'closed';
      return h.down ? 'open' : stateName(h.breaker.state);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const w of waiters.splice(0)) w.reject(new BackendUnavailable(`${opts.prefix} backend is closed`));
    },
  };
}
