import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthfarm, stackLines, tempDir } from './support/cli.js';
import { outputHashes, readJsonl } from './support/output.js';

/**
 * Children per parent (`ref` with `perParent`) and a child's date after its parent's (`after`):
 * what a load test of customers and their orders sees in the files.
 */

const spec = (perParent: string, extra = '') => `seed: 3
datasets:
  - name: customers
    count: 10000
    batchSize: 1500
    fields:
      id: { kind: sequence, start: 1 }
      signedUp: { kind: date, from: 2020-01-01, to: 2025-12-31 }
      lastSeen: { kind: datetime, from: 2020-01-01, to: 2025-12-31 }
  - name: orders
    batchSize: 700
    fields:
      id: { kind: sequence }
      customerId: { kind: ref, dataset: customers, field: id, perParent: ${perParent} }
      placedAt: { kind: datetime, from: 2020-01-01, to: 2025-06-30, after: customers.signedUp, tz: Europe/Berlin, weights: { weekday: [3, 2, 2, 2, 2, 1, 1] } }
      shippedOn: { kind: date, from: 2020-01-01, to: 2025-12-31, after: customers.lastSeen }
${extra}`;

type Order = { id: number; customerId: number; placedAt: string; shippedOn: string };
type Customer = { id: number; signedUp: string; lastSeen: string };
type Manifest = { status: string; datasets: Record<string, { requested: number; written: number; rejected: number }> };

/** Children of each of the 10,000 customers. */
function perCustomer(orders: Order[]): number[] {
  const n = new Array<number>(10_000).fill(0);
  for (const o of orders) n[o.customerId - 1]!++;
  return n;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const share = (xs: number[], v: number) => xs.filter((x) => x === v).length / xs.length;

describe('ref perParent and after', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const run = async (name: string, text: string, args: string[] = []) => {
    await writeFile(join(tmp.dir, `${name}.yaml`), text);
    const out = join(tmp.dir, name);
    const res = await synthfarm(['run', join(tmp.dir, `${name}.yaml`), '--out', out, '--json', ...args]);
    return { res, out };
  };
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  let poisson: { customers: Customer[]; orders: Order[]; manifest: Manifest; out: string };
  it('gives each customer a Poisson(3) number of orders, and derives the orders count from them', async () => {
    const { res, out } = await run('poisson', spec('{ kind: poisson, lambda: 3 }'));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const orders = await readJsonl<Order>(join(out, 'orders.jsonl'));
    const customers = await readJsonl<Customer>(join(out, 'customers.jsonl'));
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    poisson = { customers, orders, manifest, out };
    expect(manifest.datasets.orders).toMatchObject({ requested: orders.length, written: orders.length, rejected: 0 });
    const n = perCustomer(orders);
    // Mean 3 (standard error 0.017) and P(0) = e^-3 = 0.0498 (standard error 0.0022).
    expect(Math.abs(mean(n) - 3)).toBeLessThan(0.07);
    expect(Math.abs(share(n, 0) - Math.exp(-3))).toBeLessThan(0.009);
    // Variance of a Poisson is its mean: a uniform pick of 30,000 over 10,000 gives about 3 too, a fixed count 0.
    const m = mean(n);
    expect(Math.abs(n.reduce((a, x) => a + (x - m) ** 2, 0) / (n.length - 1) - 3)).toBeLessThan(0.25);
    // Children of a customer are contiguous: customer ids never go down.
    expect(orders.findIndex((o, i) => i > 0 && o.customerId < orders[i - 1]!.customerId)).toBe(-1);
  });

  it("puts every order on or after its customer's date", async () => {
    const byId = new Map(poisson.customers.map((c) => [c.id, c]));
    const to = Date.parse('2025-06-30T00:00:00Z');
    let equal = 0;
    const wrong: string[] = [];
    for (const o of poisson.orders) {
      const c = byId.get(o.customerId)!;
      const [placed, signed] = [Date.parse(o.placedAt), Date.parse(c.signedUp)];
      if (placed < signed) wrong.push(`order ${o.id} placed ${o.placedAt} before ${c.signedUp}`);
      // The field's `to` still holds, except for a parent after it: then the child is the parent's instant.
      if (signed > to) {
        if (placed !== signed) wrong.push(`order ${o.id} of a customer after 'to' is ${o.placedAt}, not ${c.signedUp}`);
        equal++;
      } else if (placed > to) wrong.push(`order ${o.id} placed ${o.placedAt} after to`);
      // A date after a datetime parent: on or after the parent's calendar day.
      if (o.shippedOn < c.lastSeen.slice(0, 10)) wrong.push(`order ${o.id} shipped ${o.shippedOn} before ${c.lastSeen}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(equal).toBeGreaterThan(0);
  });

  it('gives exactly the zeroRate share of customers no orders, and the others at least one', async () => {
    const { res, out } = await run('zero', spec('{ kind: uniform, min: 0, max: 4, zeroRate: 0.2 }'));
    expect(res.code).toBe(0);
    const n = perCustomer(await readJsonl<Order>(join(out, 'orders.jsonl')));
    expect(Math.abs(share(n, 0) - 0.2)).toBeLessThan(0.017);
    // The rest draw 1..4 evenly.
    for (const k of [1, 2, 3, 4]) expect(Math.abs(share(n, k) - 0.2)).toBeLessThan(0.017);
  });

  it('draws counts from choice weights', async () => {
    const { res, out } = await run('choice', spec(`{ kind: choice, weights: { "1": 0.5, "3": 0.5 } }`));
    expect(res.code).toBe(0);
    const n = perCustomer(await readJsonl<Order>(join(out, 'orders.jsonl')));
    expect(new Set(n)).toEqual(new Set([1, 3]));
    expect(Math.abs(share(n, 1) - 0.5)).toBeLessThan(0.02);
  });

  it('is the same bytes with other batch sizes and threads', async () => {
    const { res, out } = await run('poisson-again', spec('{ kind: poisson, lambda: 3 }').replace('batchSize: 700', 'batchSize: 333'), ['--threads', '0']);
    expect(res.code).toBe(0);
    expect(await outputHashes(out)).toEqual(await outputHashes(poisson.out));
  });

  it('shows the derived count in plan and validate', async () => {
    const file = join(tmp.dir, 'poisson.yaml');
    const plan = await synthfarm(['plan', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`orders: ${poisson.orders.length} records`);
    const v = await synthfarm(['validate', file]);
    expect(v.stdout).toContain(`${10_000 + poisson.orders.length} records`);
  });

  it.each([
    ['count and perParent both', spec('{ kind: poisson, lambda: 3 }').replace('  - name: orders\n', '  - name: orders\n    count: 500\n'), /datasets\[1\]\.count: must not be given with fields\.customerId\.perParent/],
    ['no count and no perParent', spec('{ kind: poisson, lambda: 3 }').replace(', perParent: { kind: poisson, lambda: 3 }', ''), /datasets\[1\]\.count: is required/],
    ['after without a perParent ref', spec('{ kind: poisson, lambda: 3 }').replace(', perParent: { kind: poisson, lambda: 3 }', '').replace('  - name: orders\n', '  - name: orders\n    count: 5\n'), /datasets\[1\]\.fields\.placedAt\.after: needs a ref to 'customers' with perParent/],
    ['after a field that is not a date', spec('{ kind: poisson, lambda: 3 }').replace('after: customers.signedUp', 'after: customers.id'), /datasets\[1\]\.fields\.placedAt\.after: 'customers\.id' is sequence; after needs a date or datetime field/],
    ['after a nullable date', spec('{ kind: poisson, lambda: 3 }').replace('to: 2025-12-31 }\n      lastSeen', 'to: 2025-12-31, nullRate: 0.1 }\n      lastSeen'), /placedAt\.after: 'customers\.signedUp' can be null/],
    ['a bad lambda', spec('{ kind: poisson, lambda: 0 }'), /datasets\[1\]\.fields\.customerId\.perParent\.lambda: must be > 0/],
    ['zeroRate with only zeros', spec('{ kind: uniform, min: 0, max: 0, zeroRate: 0.5 }'), /perParent\.zeroRate: the parents with children draw at least 1 from uniform, which only gives 0/],
    ['two perParent refs', spec('{ kind: poisson, lambda: 3 }').replace('      shippedOn:', '      other: { kind: ref, dataset: customers, field: id, perParent: { kind: poisson, lambda: 1 } }\n      shippedOn:'), /datasets\[1\]\.fields\.other\.perParent: a dataset has one parent/],
    ['a bad time zone', spec('{ kind: poisson, lambda: 3 }').replace('tz: Europe/Berlin', 'tz: Mars/Olympus'), /datasets\[1\]\.fields\.placedAt\.tz: unknown time zone 'Mars\/Olympus'/],
  ])('%s: exit 2 naming the path', async (name, text, message) => {
    const { res } = await run(name.replace(/\W+/g, '-'), text);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(stackLines(res.stderr)).toEqual([]);
  });
});
