import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built module (a child process runs it): the test runs after `turbo run build`.
const built = fileURLToPath(new URL('../dist/stop-signals.js', import.meta.url));

describe('firstStopSignal', () => {
  it('listens from the call on: a SIGTERM right after it ends the wait, not the process', () => {
    const script = `const { firstStopSignal } = await import(${JSON.stringify(built)});
const stopped = firstStopSignal();
const alive = setInterval(() => {}, 1000); // a server's sockets, in a real command
process.kill(process.pid, 'SIGTERM');
await stopped;
clearInterval(alive);
process.stdout.write('drained');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect({ status: r.status, signal: r.signal, stdout: r.stdout }).toEqual({ status: 0, signal: null, stdout: 'drained' });
  });
});
