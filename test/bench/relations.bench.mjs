// npm run bench:relations — what perParent, after and traffic-shaped datetimes cost per record,
// against the plain ref + flat datetime of the same dataset, measured in the same run (code fields
// only, in this process, no I/O). Also: deriving a child count from 1M parents, and the compile
// time of a weighted Europe/Berlin datetime over six years (its hour table and zone offsets).
import { validateSpec } from '@synthfarm/spec';
import { CompiledDataset, SharedColumn, resolveChildCounts } from '@synthfarm/codegen';

const PARENTS = Number(process.env.BENCH_PARENTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HOUR = [1, 1, 1, 1, 1, 1, 2, 5, 9, 12, 10, 8, 7, 8, 7, 6, 6, 6, 7, 7, 6, 4, 2, 1];

function spec(child) {
  return validateSpec({
    seed: 42,
    datasets: [
      { name: 'customers', count: PARENTS, fields: { id: { kind: 'sequence', start: 1 }, signedUp: { kind: 'date', from: '2020-01-01', to: '2025-12-31' } } },
      { name: 'orders', ...child },
    ],
  }, 'bench.yaml', 'bench', { env: {} }).spec;
}
const plain = spec({ count: 3 * PARENTS, fields: { id: { kind: 'uuid' }, customerId: { kind: 'ref', dataset: 'customers', field: 'id' }, placedAt: { kind: 'datetime', from: '2020-01-01', to: '2025-12-31T23:59:59Z' } } });
const shaped = spec({ fields: {
  id: { kind: 'uuid' },
  customerId: { kind: 'ref', dataset: 'customers', field: 'id', perParent: { kind: 'poisson', lambda: 3 } },
  placedAt: { kind: 'datetime', from: '2020-01-01', to: '2025-12-31T23:59:59Z', after: 'customers.signedUp', tz: 'Europe/Berlin', weights: { hour: HOUR, weekday: [1.4, 1.2, 1.1, 1.1, 1, 0.8, 0.7], month: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.3, 1.6] } },
} });
let t = performance.now();
resolveChildCounts(shaped);
const deriveMs = performance.now() - t;

const columns = {
  'customers.id': SharedColumn.from(Array.from({ length: PARENTS }, (_, j) => j + 1)).data,
  'customers.signedUp': SharedColumn.from(Array.from({ length: PARENTS }, (_, j) => `20${20 + (j % 6)}-0${1 + (j % 9)}-1${j % 10}`)).data,
};
function compile(s) {
  const t0 = performance.now();
  const ds = new CompiledDataset(s, 1);
  ds.setRefColumns(columns);
  return { ds, ms: performance.now() - t0 };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function rate(s) {
  const { ds, ms } = compile(s);
  const n = s.datasets[1].count;
  ds.generate(0);
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) ds.generate(i);
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return { rate: median(rates), compileMs: ms, n };
}
const a = rate(plain);
const b = rate(shaped);
const big = spec({ fields: { customerId: { kind: 'ref', dataset: 'customers', field: 'id', perParent: { kind: 'poisson', lambda: 3 } } } });
big.datasets[0].count = 1_000_000;
t = performance.now();
resolveChildCounts(big);
const derive1M = performance.now() - t;
const load = (await import('node:os')).loadavg()[0].toFixed(1);
console.log(`relations bench: ${PARENTS} customers, median of ${ROUNDS} rounds, load average ${load}`);
console.log(`  plain ref + flat UTC datetime:          ${Math.round(a.rate).toLocaleString('en')} records/s (${a.n} records)`);
console.log(`  perParent + after + weighted Berlin dt: ${Math.round(b.rate).toLocaleString('en')} records/s (${b.n} records), ratio ${(b.rate / a.rate).toFixed(2)}`);
console.log(`  compile: plain ${a.compileMs.toFixed(1)} ms, shaped ${b.compileMs.toFixed(1)} ms (hour table of 52,608 hours + zone offsets)`);
console.log(`  derived count: ${PARENTS} parents ${deriveMs.toFixed(1)} ms, 1M parents ${derive1M.toFixed(0)} ms; parent index ${(4 * (PARENTS + 1) / 1024).toFixed(0)} KiB per thread`);
