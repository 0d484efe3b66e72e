import { hash53, mix32 } from '@synthfarm/core/hash';
import type { FieldSpec, PerParentSpec, Spec } from '@synthfarm/spec';
import { poissonQuantile } from './distributions.js';
import { Rng } from './rng.js';

/** A dataset's perParent ref: where it is, which dataset holds the parents, how many children each gets. */
export interface PerParentRef {
  /** Dot path of the ref field in the child dataset. */
  path: string;
  /** Index of the parent dataset in the spec. */
  parent: number;
  perParent: PerParentSpec;
}

/** The perParent ref of dataset `d`, if it has one (checkSpec allows one per dataset). */
export function perParentRef(spec: Spec, d: number): PerParentRef | undefined {
  const find = (fields: Record<string, FieldSpec>, prefix: string): PerParentRef | undefined => {
    for (const [k, f] of Object.entries(fields)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (f.kind === 'ref' && f.perParent) return { path, parent: spec.datasets.findIndex((o) => o.name === f.dataset), perParent: f.perParent };
      if (f.kind === 'object') {
        const inner = find(f.fields, path);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return find(spec.datasets[d]!.fields ?? {}, '');
}

/**
 * Children of each parent row, drawn from (seed, child dataset, ref path, parent row): the same
 * counts in every process, so the committer and every code thread agree on them without sharing.
 */
function childCounts(spec: Spec, d: number, ref: PerParentRef): (row: number) => number {
  const key = hash53(`${spec.seed}\u0000${spec.datasets[d]!.name}\u0000${ref.path}\u0000perParent`) >>> 0;
  const rng = new Rng();
  const draw = countDraw(ref.perParent);
  return (row) => draw(rng.reset(mix32(key, row)));
}

/** One parent's child count from its stream: the zero share first (with zeroRate), then the count. */
function countDraw(p: PerParentSpec): (rng: Rng) => number {
  const zero = p.zeroRate;
  // With zeroRate, exactly that share of parents has none; the others draw with 0 left out.
  const positive = zero !== undefined;
  let count: (u: number) => number;
  if (p.kind === 'poisson') {
    const p0 = positive ? Math.exp(-p.lambda) : 0;
    const cap = p.max ?? Infinity;
    count = (u) => Math.min(cap, Math.max(positive ? 1 : 0, poissonQuantile(p0 + u * (1 - p0), p.lambda)));
  } else if (p.kind === 'uniform') {
    const lo = positive ? Math.max(1, p.min) : p.min;
    const n = p.max - lo + 1;
    count = (u) => lo + Math.floor(u * n);
  } else {
    const entries = Object.entries(p.weights).map(([k, w]) => [Number(k), w] as const).filter(([k, w]) => w > 0 && !(positive && k === 0)).sort((a, b) => a[0] - b[0]);
    const total = entries.reduce((n, [, w]) => n + w, 0);
    const cumulative = entries.map(([, w]) => w / total);
    for (let i = 1; i < cumulative.length; i++) cumulative[i]! += cumulative[i - 1]!;
    count = (u) => {
      for (let i = 0; i < cumulative.length - 1; i++) if (u < cumulative[i]!) return entries[i]![0];
      return entries.at(-1)?.[0] ?? 0;
    };
  }
  if (!positive) return (rng) => count(rng.next());
  return (rng) => (rng.next() < zero ? 0 : count(rng.next()));
}

/**
 * The children of a perParent dataset, contiguous by parent: child i belongs to the parent row
 * whose prefix-sum range holds i. One Uint32Array of prefix sums (Float64Array past 2^32 children),
 * O(parents) memory; finding a child's parent is a binary search, so any batch of the child
 * dataset is computed on its own by any thread or worker.
 */
export class ParentIndex {
  private last = 0;

  private constructor(
    private readonly prefix: Uint32Array | Float64Array,
    /** Parent rows (the parent dataset's count). */
    readonly parents: number,
  ) {}

  static build(spec: Spec, d: number, ref: PerParentRef): ParentIndex {
    const parents = spec.datasets[ref.parent]!.count;
    const counts = childCounts(spec, d, ref);
    let prefix: Uint32Array | Float64Array = new Uint32Array(parents + 1);
    let total = 0;
    for (let j = 0; j < parents; j++) {
      total += counts(j);
      if (total > 0xffffffff && prefix instanceof Uint32Array) prefix = Float64Array.from(prefix);
      prefix[j + 1] = total;
    }
    return new ParentIndex(prefix, parents);
  }

  /** Children in all: the child dataset's count. */
  get children(): number {
    return this.prefix[this.parents]!;
  }

  /** Children of parent row j. */
  childrenOf(j: number): number {
    return this.prefix[j + 1]! - this.prefix[j]!;
  }

  /** The parent row of child i (0 <= i < children). */
  parentOf(i: number): number {
    const p = this.prefix;
    const l = this.last;
    if (p[l]! <= i && i < p[l + 1]!) return l;
    let lo = 0;
    let hi = this.parents - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (p[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    this.last = lo;
    return lo;
  }
}

/**
 * Fills in the count of every perParent dataset: the sum of its parents' children, drawn from the
 * seed (the parents being the parent dataset's `count` rows). Run once the parents' counts are known
 * (a source parent's after its source is opened). O(parents) time, O(1) memory.
 */
export function resolveChildCounts(spec: Spec): void {
  spec.datasets.forEach((ds, d) => {
    const ref = ds.fields ? perParentRef(spec, d) : undefined;
    if (!ref) return;
    const counts = childCounts(spec, d, ref);
    let total = 0;
    for (let j = 0, n = spec.datasets[ref.parent]!.count; j < n; j++) total += counts(j);
    ds.count = total;
  });
}

/** A record whose parent row was not written (the parent dataset wrote fewer rows than its count): rejected, not written. */
export class OrphanRecordError extends Error {}
