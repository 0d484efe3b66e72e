import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Keep an append-only file in the server's dir, so data survives {@link RedisHandle.restart}. Default false. */
  appendonly?: boolean;
  /** `always` makes even a SIGKILL lose nothing (crash tests); Redis' own default is `everysec`. Default `everysec`. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** What Redis does when maxmemory is reached. BullMQ requires `noeviction`. Default `noeviction`. */
  maxmemoryPolicy?: string;
  /** How long to wait for the first PONG, in milliseconds. Default 10000. */
  startTimeoutMs?: number;
}

/** A private redis-server for one test file. */
export interface RedisHandle {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The server's own temp dir (`--dir`): AOF files live here. */
  readonly dir: string;
  /** SIGTERM, wait for exit, then remove {@link RedisHandle.dir}: the end of this server. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit: a crash. The dir stays, so {@link RedisHandle.restart} can recover the AOF. */
  kill(): Promise<void>;
  /** Stops the server if it runs (SIGTERM), then starts it again on the same port and dir. */
  restart(): Promise<void>;
  /** The text of `INFO <section>` (`persistence`, `memory`, `server`, …). */
  info(section?: string): Promise<string>;
}

/** The machine's shared Redis: tests never use it. */
const SHARED_REDIS_PORT = 6379;

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('[redis-server] no port'))));
      });
    });
    if (port !== SHARED_REDIS_PORT) return port;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts Debian's `redis-server` on a free loopback port with a temp dir of its own, no RDB
 * snapshots, AOF off unless asked, and `noeviction`; resolves once it answers PING.
 * Never touches the machine's shared Redis on 6379. Killed when the test process exits.
 * @throws Error naming `apt-get install redis-server` when the binary is missing.
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'synthfarm-redis-'));
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  let port = await freePort();
  let child: ChildProcess | undefined;
  let removed = false;

  const args = (): string[] => [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', opts.appendonly ? 'yes' : 'no',
    '--appendfsync', opts.appendfsync ?? 'everysec',
    '--maxmemory-policy', opts.maxmemoryPolicy ?? 'noeviction',
    '--daemonize', 'no',
    '--logfile', '',
  ];
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  async function launch(): Promise<void> {
    if (removed) throw new Error('[redis-server] this server was stopped and its dir removed; start a new one');
    const proc = spawn('redis-server', args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    const keep = (b: Buffer): void => {
      output = (output + b.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let spawnError: NodeJS.ErrnoException | undefined;
    proc.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
    });
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError?.code === 'ENOENT') throw new Error('[redis-server] redis-server is not on PATH: install it with `apt-get install redis-server`');
      if (spawnError) throw new Error(`[redis-server] cannot start redis-server: ${spawnError.message}`);
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`[redis-server] redis-server on port ${port} exited (${proc.exitCode ?? proc.signalCode}) before answering PING:\n${output}`);
      }
      if (await ping(port)) return;
      if (Date.now() > until) {
        proc.kill('SIGKILL');
        throw new Error(`[redis-server] no PONG from port ${port} within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function signal(sig: NodeJS.Signals): Promise<void> {
    const proc = child;
    if (!proc) return;
    const done = exited(proc);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    await done;
  }

  // A port taken between freePort() and bind: try another once or twice.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/i.test(String(err))) {
        await rm(dir, { recursive: true, force: true });
        process.removeListener('exit', killOnExit);
        throw err;
      }
      port = await freePort();
    }
  }

  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dir,
    async stop() {
      await signal('SIGTERM');
      process.removeListener('exit', killOnExit);
      removed = true;
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await signal('SIGKILL');
    },
    async restart() {
      await signal('SIGTERM');
      await launch();
    },
    async info(section = 'server') {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, lazyConnect: true });
      try {
        await client.connect();
        return await client.info(section);
      } finally {
        client.disconnect();
      }
    },
  };
}
