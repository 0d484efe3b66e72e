import { UniqueExhaustedError } from '@synthfarm/core/errors';
import { hash53 } from '@synthfarm/core/hash';
import { KeyMap, KeySet } from './key-set.js';
import { getPath, type CompiledDataset, type DataRecord, type FieldNode, type RecordOp } from './compile-dataset.js';

/** How many draws a record gets before the value space is declared exhausted. */
export const MAX_UNIQUE_ATTEMPTS = 1000;
/** Suffixes tried for one colliding template value before its space counts as exhausted. */
const MAX_SUFFIX_TRIES = 10_000_000;

/** Inserts `n` before the `@` of an email-like value, else appends it: `ann.lee2@example.com`. */
export function withSuffix(value: string, n: number): string {
  const at = value.indexOf('@');
  return at > 0 ? `${value.slice(0, at)}${n}${value.slice(at)}` : `${value}${n}`;
}

/** The 53-bit key a value is known by in a unique index; NaN for null (nulls are exempt). */
export function uniqueKey(v: unknown): number {
  if (v === null || v === undefined) return NaN;
  return keyOf(v);
}

function keyOf(v: unknown): number {
  return hash53(typeof v === 'string' ? v : `\u0001${JSON.stringify(v)}`);
}

/**
 * What {@link UniqueIndex.admitKeys} returns when nothing collided: one shared, frozen empty
 * list rather than a new array per record (callers only read it; a push would throw).
 */
const NO_OPS = Object.freeze([]) as unknown as RecordOp[];

/**
 * Enforces `unique` over a whole dataset, in record order. It must see records in index
 * order (the aggregator's commit order), which is what makes the outcome independent of
 * batch size and threads. Keys are 53-bit hashes: 8 bytes a value, not the value itself.
 *
 * A collision on a drawn field draws that field again (stream `attempt`) and recomputes its
 * dependents; a collision on a template (a pure function of other fields) gets a numeric
 * suffix instead, the way sign-up systems do: `ann.lee@x.com`, `ann.lee2@x.com`.
 */
export class UniqueIndex {
  private readonly seen = new Map<number, KeySet>();
  /** The sets of `seen`, in `uniqueNodes` order: what the per-record paths index. */
  private readonly sets: KeySet[];
  /** Per template base value (by key), the next suffix to try. */
  private readonly nextSuffix = new KeyMap();
  /** Records whose values changed to stay unique. */
  redrawn = 0;

  constructor(private readonly compiled: CompiledDataset) {
    for (const n of compiled.uniqueNodes) this.seen.set(n.id, new KeySet(compiled.spec.datasets[compiled.datasetIndex]!.count));
    this.sets = compiled.uniqueNodes.map((n) => this.seen.get(n.id)!);
  }

  get active(): boolean {
    return this.compiled.uniqueNodes.length > 0;
  }

  /**
   * Writes a record's unique keys at `offset` of a worker's batch array, and adds the values
   * of its unique fields to `templateValues` (a template's string value, '' for anything else):
   * what {@link admitKeys} reads.
   */
  static writeKeys(compiled: CompiledDataset, rec: DataRecord, keys: Float64Array, templateValues: { add(value: string): void }, offset: number): void {
    const nodes = compiled.uniqueNodes;
    for (let u = 0; u < nodes.length; u++) {
      const n = nodes[u]!;
      const v = n.segments.length === 1 ? rec[n.path] : getPath(rec, n.segments);
      keys[offset + u] = uniqueKey(v);
      templateValues.add(n.template && typeof v === 'string' ? v : '');
    }
  }

  /** Admits a record's keys when none collides; false (admitting nothing) when one does. */
  private tryAdmitKeys(keys: ArrayLike<number>, offset = 0): boolean {
    const nodes = this.compiled.uniqueNodes;
    for (let u = 0; u < nodes.length; u++) {
      const k = keys[offset + u]!;
      if (!Number.isNaN(k) && this.seen.get(nodes[u]!.id)!.has(k)) return false;
    }
    for (let u = 0; u < nodes.length; u++) {
      const k = keys[offset + u]!;
      if (!Number.isNaN(k)) this.seen.get(nodes[u]!.id)!.add(k);
    }
    return true;
  }

  /**
   * Admits a record known by its unique keys and the values of its unique template fields
   * (what a worker sends instead of the record). Returns `[]` when nothing collided, the
   * suffixed template values to apply when only templates collided, or `undefined` (admitting
   * nothing) when a drawn field collided and the record must be regenerated and {@link admit}ted.
   */
  admitKeys(keys: ArrayLike<number>, valueAt: (i: number) => unknown, offset: number, index: number): RecordOp[] | undefined {
    const nodes = this.compiled.uniqueNodes;
    const sets = this.sets;
    // One unique field (the common case): one probe admits it, or finds the collision.
    if (nodes.length === 1) {
      const k = keys[offset]!;
      if (Number.isNaN(k) || sets[0]!.addNew(k)) return NO_OPS;
    }
    let collided = false;
    for (let u = 0; u < nodes.length; u++) {
      const k = keys[offset + u]!;
      if (Number.isNaN(k) || !sets[u]!.has(k)) continue;
      const n = nodes[u]!;
      if (n.spec.kind !== 'template' || n.dependents.length || typeof valueAt(offset + u) !== 'string') return undefined;
      collided = true;
    }
    if (!collided) {
      this.tryAdmitKeys(keys, offset);
      return NO_OPS;
    }
    this.redrawn++;
    const out: RecordOp[] = [];
    for (let u = 0; u < nodes.length; u++) {
      const n = nodes[u]!;
      const set = this.seen.get(n.id)!;
      const k = keys[offset + u]!;
      if (Number.isNaN(k)) continue;
      if (!set.has(k)) {
        set.add(k);
        continue;
      }
      out.push([n.id, { v: this.suffixed(n, valueAt(offset + u) as string, k, index) }]);
    }
    return out;
  }

  /**
   * The first free `base` + n (n = 2, 3, ...) for a colliding template value; adds it to the
   * index. Remembers where each base left off, so a thousand Ann Lees cost a thousand steps,
   * not half a million.
   */
  private suffixed(n: FieldNode, base: string, baseKey: number, index: number): string {
    const set = this.seen.get(n.id)!;
    let next = this.nextSuffix.get(baseKey) ?? 2;
    for (let tries = 0; tries < MAX_SUFFIX_TRIES; tries++, next++) {
      const v = withSuffix(base, next);
      const key = keyOf(v);
      if (set.has(key)) continue;
      set.add(key);
      this.nextSuffix.set(baseKey, next + 1);
      return v;
    }
    return this.exhausted(n, index, set.size);
  }

  private exhausted(n: FieldNode, index: number, used: number): never {
    throw new UniqueExhaustedError(
      `${n.specPath}.unique: ran out of distinct values at record ${index} of '${this.compiled.name}' (${used} distinct values used, ${n.spec.kind === 'template' ? MAX_SUFFIX_TRIES + ' suffixes' : MAX_UNIQUE_ATTEMPTS + ' draws'} failed); widen the field's range or lower count`,
    );
  }

  /**
   * Makes record `index` unique against all earlier ones, changing it in place. With `ops`,
   * the changes are logged so another process can replay them ({@link CompiledDataset.generateWith}).
   */
  admit(rec: DataRecord, index: number, ops?: RecordOp[]): void {
    let attempts: Map<number, number> | undefined;
    for (const n of this.compiled.uniqueNodes) {
      const set = this.seen.get(n.id)!;
      let v = getPath(rec, n.segments);
      if (v === null || v === undefined) continue;
      let key = keyOf(v);
      if (!set.has(key)) {
        set.add(key);
        continue;
      }
      this.redrawn++;
      attempts ??= new Map();
      if (n.spec.kind === 'template' && typeof v === 'string') {
        const suffixed = this.suffixed(n, v, key, index);
        this.compiled.redraw(rec, index, n, 0, attempts, { v: suffixed });
        ops?.push([n.id, { v: suffixed }]);
        continue;
      }
      let attempt = 1;
      for (; attempt <= MAX_UNIQUE_ATTEMPTS; attempt++) {
        this.compiled.redraw(rec, index, n, attempt, attempts);
        v = getPath(rec, n.segments);
        if (v === null || v === undefined || !set.has((key = keyOf(v)))) {
          if (v !== null && v !== undefined) set.add(key);
          ops?.push([n.id, { a: attempt }]);
          break;
        }
      }
      if (attempt > MAX_UNIQUE_ATTEMPTS) this.exhausted(n, index, set.size);
    }
  }
}
