import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = fileURLToPath(new URL('../dist/thread-priority.js', import.meta.url));

// In a process of its own: lowering a thread's priority cannot be undone without privilege.
const child = `
import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
const { yieldHelperThreads } = await import(${JSON.stringify(built)});
const before = readdirSync('/proc/self/task').map(Number);
const lowered = yieldHelperThreads();
const helpers = before.filter((t) => t !== process.pid).map((t) => getPriority(t));
const worker = new Worker(\`
  const [{ parentPort }, { getPriority }, { readFileSync }] = await Promise.all([import('node:worker_threads'), import('node:os'), import('node:fs')]);
  parentPort.postMessage(getPriority(Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0])));
\`, { eval: true });
const workerPriority = await new Promise((resolve) => worker.once('message', resolve));
await worker.terminate();
console.log(JSON.stringify({ lowered, helpers, main: getPriority(process.pid), workerPriority, again: yieldHelperThreads() }));
`;

describe.runIf(process.platform === 'linux')('yieldHelperThreads', () => {
  it("lowers every thread the process has but its main thread, and no thread started later", () => {
    const r = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' })) as { lowered: number; helpers: number[]; main: number; workerPriority: number; again: number };
    // V8's platform workers at least (four by default).
    expect(r.lowered).toBeGreaterThanOrEqual(4);
    expect(r.helpers.length).toBe(r.lowered);
    expect(r.helpers.every((p) => p === 19)).toBe(true);
    expect(r.main).toBe(0);
    expect(r.workerPriority).toBe(0);
    // Called again, it finds nothing left to lower.
    expect(r.again).toBe(0);
  });
});
