import { describe, expect, it } from 'vitest';
import { validateSpec } from '@synthfarm/spec';
import { CompiledDataset } from './compile-dataset.js';
import { OrphanRecordError, resolveChildCounts } from './per-parent.js';
import { SharedColumn } from './shared-column.js';

/** perParent: a child's parent row is a function of (seed, index) alone, and a missing parent is never replaced. */

function family(perParent: Record<string, unknown>, parents = 1000) {
  const spec = validateSpec({
    seed: 5,
    datasets: [
      { name: 'customers', count: parents, fields: { id: { kind: 'sequence', start: 1 } } },
      { name: 'orders', fields: { customerId: { kind: 'ref', dataset: 'customers', field: 'id', perParent } } },
    ],
  }, 't.yaml', 'test', { env: {} }).spec;
  resolveChildCounts(spec);
  const orders = new CompiledDataset(spec, 1);
  return { spec, orders };
}

describe('perParent', () => {
  it('children are contiguous by parent, parents with none are skipped, and the counts add up to the derived count', () => {
    const { spec, orders } = family({ kind: 'uniform', min: 0, max: 3 });
    orders.setRefColumns({ 'customers.id': SharedColumn.from(Array.from({ length: 1000 }, (_, j) => j + 1)).data });
    const ids = Array.from({ length: spec.datasets[1]!.count }, (_, i) => orders.generate(i).customerId as number);
    expect(ids.findIndex((v, i) => i > 0 && v < ids[i - 1]!)).toBe(-1);
    const per = new Map<number, number>();
    for (const id of ids) per.set(id, (per.get(id) ?? 0) + 1);
    expect([...per.values()].every((n) => n >= 1 && n <= 3)).toBe(true);
    // About a quarter of parents draw 0 and never appear.
    expect(Math.abs(1 - per.size / 1000 - 0.25)).toBeLessThan(0.06);
    // Record i alone (any order, any thread) gives the same parent.
    const again = family({ kind: 'uniform', min: 0, max: 3 }).orders;
    again.setRefColumns({ 'customers.id': SharedColumn.from(Array.from({ length: 1000 }, (_, j) => j + 1)).data });
    for (const i of [ids.length - 1, 0, 777, 3]) expect(again.generate(i).customerId).toBe(ids[i]);
  });

  it('the derived count follows the seed and the parents', () => {
    const a = family({ kind: 'poisson', lambda: 2 }).spec.datasets[1]!.count;
    expect(family({ kind: 'poisson', lambda: 2 }).spec.datasets[1]!.count).toBe(a);
    expect(Math.abs(a - 2000)).toBeLessThan(200);
    expect(family({ kind: 'poisson', lambda: 2 }, 10).spec.datasets[1]!.count).toBeLessThan(60);
  });

  it('a child whose parent row was not written (the parent wrote fewer rows than its count) is an orphan, not re-parented', () => {
    const { spec, orders } = family({ kind: 'choice', weights: { '2': 1 } }, 10);
    expect(spec.datasets[1]!.count).toBe(20);
    orders.setRefColumns({ 'customers.id': SharedColumn.from([1, 2, 3, 4, 5, 6, 7, 8]).data });
    expect(orders.generate(15).customerId).toBe(8);
    expect(() => orders.generate(16)).toThrow(OrphanRecordError);
    expect(() => orders.generate(19)).toThrow(/parent row 9 of customers was not written \(customers wrote 8 of its 10 rows\)/);
  });
});
