// npm run bench:healthz — /healthz latency of `serve` (p50/p99) idle, and while the heaviest
// spec the default limits allow (~1 MB of 10,000-key weights) is posted again and again: with
// validation on a worker thread (what serve does) and, for comparison, on the event loop (what
// it did before). Not a test: machines here are shared and noisy.
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '@synthfarm/api';
import { checkCompiles } from '@synthfarm/codegen';
import { createSpecValidator } from '@synthfarm/engine';
import { DEFAULT_SPEC_LIMITS, parseSpecText } from '@synthfarm/spec';

const TOKEN = 'bench-token-0123456789';
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const HEAVY = (() => {
  const weights = `{${Array.from({ length: 10_000 }, (_, k) => `k${k}: 1`).join(', ')}}`;
  let text = 'name: heavy\ncount: 1000\nfields:\n';
  for (let f = 0; text.length + weights.length + 100 < DEFAULT_SPEC_LIMITS.specBytes - 50_000; f++) text += `  c${f}: { kind: choice, weights: ${weights} }\n`;
  return `${text}  last: { kind: faker, method: person.nope }\n`; // refused at the end: no run starts
})();

function http(port, method, path, body) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'text/yaml' } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode, ms: performance.now() - t0 }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function measure(name, validate) {
  const outRoot = mkdtempSync(join(tmpdir(), 'bench-healthz-'));
  const service = {
    async submit(specText, opts) {
      await validate(specText, opts.source ?? 'http.yaml');
      return { runId: 'never' };
    },
    listRuns: async () => [], getRun: async () => undefined, subscribe: () => () => undefined,
    queues: () => [], queueDepths: async () => ({}), close: async () => undefined,
  };
  const app = await createServer({ service, token: TOKEN, outRoot });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address();
  // At least SAMPLES answers, 10 ms apart; while busy, also until 3 heavy specs were validated.
  const sample = async (until = () => true) => {
    const out = [];
    while (out.length < SAMPLES || !until()) {
      out.push((await http(port, 'GET', '/healthz')).ms);
      await new Promise((r) => setTimeout(r, 10));
    }
    return out;
  };
  await http(port, 'POST', '/runs', HEAVY); // warm
  const idle = await sample();
  let posting = true;
  let posts = 0;
  const poster = (async () => {
    while (posting) {
      await http(port, 'POST', '/runs', HEAVY);
      posts++;
    }
  })();
  await new Promise((r) => setTimeout(r, 200));
  const busy = await sample(() => posts >= 3);
  posting = false;
  await poster;
  await app.close();
  rmSync(outRoot, { recursive: true, force: true });
  const f = (xs) => `p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms  p99 ${pct(xs, 99).toFixed(1).padStart(7)} ms  max ${Math.max(...xs).toFixed(1).padStart(7)} ms`;
  console.log(`${name.padEnd(28)} idle: ${f(idle)}`);
  console.log(`${''.padEnd(28)} busy: ${f(busy)}  (${posts} heavy specs validated meanwhile)`);
}

console.log(`bench:healthz — sequential GET /healthz 10 ms apart (at least ${SAMPLES}), idle then while ${(HEAVY.length / 1e6).toFixed(2)} MB specs are posted back to back`);
const validator = createSpecValidator();
await measure('worker thread (serve)', (text, source) => validator.validate(text, source));
await validator.close();
await measure('event loop (before issue 7)', async (text, source) => checkCompiles(parseSpecText(text, source, { env: {} }).spec));
