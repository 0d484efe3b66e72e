// Subpath imports: code threads load this package, and the barrels would bring pino, zod and
// yaml into every thread (~45% of a thread's start-up, measured).
import { SpecError } from '@synthfarm/core/errors';
import { hash53, mix32 } from '@synthfarm/core/hash';
import { generatedFunction, literalKey } from '@synthfarm/core/generated-function';
import { placeholders } from '@synthfarm/spec/field-paths';
import { correlationsOf, latentMixes } from '@synthfarm/spec/latent-mix';
import type { FieldSpec, Spec } from '@synthfarm/spec';
import { compileField } from './compile-field.js';
import { FakerRegistry } from './faker-registry.js';
import type { FieldGenerator, GenContext } from './field-generator.js';
import { Rng } from './rng.js';
import { SharedColumn, type RefColumns } from './shared-column.js';
import { OrphanRecordError, ParentIndex, perParentRef } from './per-parent.js';

/** A JSON record as generated: nesting kept, keys in spec order. */
export type DataRecord = Record<string, unknown>;

/** One addressable field (top-level, or inside an object) of a dataset. */
export interface FieldNode {
  id: number;
  path: string;
  segments: string[];
  spec: FieldSpec;
  /** Spec path for messages: `datasets[0].fields.address.fields.city`. */
  specPath: string;
  /** Stream key: a hash of (seed, dataset, path). */
  key: number;
  deps: number[];
  /** Fields that (transitively) use this one, in generation order. */
  dependents: number[];
  /** Objects are containers: their children are nodes of their own. */
  container: boolean;
  /** Draws from its stream (everything but sequence, template, llm, containers and the transforms, which read the legacy row). */
  drawn: boolean;
  /**
   * The spec's `nullRate` (0 for none) and whether it is a template, read from the node itself
   * for every record: read from `spec`, objects of as many shapes as there are field kinds, each
   * was a megamorphic property load (perf, a million-row migration).
   */
  nullRate: number;
  template: boolean;
  gen: FieldGenerator;
}

const NULL_SALT = 0x6e756c6c;

/** A change uniqueness made to a record: field `node` redrawn with stream `a`, or set to `v`. */
export type RecordOp = readonly [node: number, op: { a: number } | { v: unknown }];

/**
 * A dataset compiled for generation. `generate(i, attempt)` is a pure function of
 * (seed, dataset, field, i, attempt): that is the determinism promise of DESIGN §3.
 */
export class CompiledDataset {
  readonly nodes: FieldNode[] = [];
  /** Generation order (dependencies first). */
  readonly order: FieldNode[];
  /** Fields the model writes, by path, in spec order. */
  readonly llmNodes: FieldNode[];
  readonly uniqueNodes: FieldNode[];
  private readonly rng = new Rng();
  private readonly nullRng = new Rng();
  private refs = new Map<string, SharedColumn>();
  private readonly latents: Float64Array;
  /** Per node, the instant of the date it last wrote (see GenContext.setInstant). */
  private readonly instants: Float64Array;
  private current: DataRecord = {};
  private readonly ctx: GenContext;
  private readonly makeSkeleton: () => DataRecord;
  private sourceStart = 0;
  private sourceRows: ReadonlyArray<Record<string, unknown> | null> = [];
  private row: Record<string, unknown> | null | undefined;
  /** Children by parent row, built on first use (a perParent dataset only). */
  private parents: ParentIndex | undefined;
  /** The last parent row read per `dataset.field`, and its value. */
  private readonly lastParent = new Map<string, { row: number; value: unknown }>();

  constructor(readonly spec: Spec, readonly datasetIndex: number, fakers = new FakerRegistry()) {
    const ds = spec.datasets[datasetIndex]!;
    if (!ds.fields) throw new SpecError(`datasets[${datasetIndex}]`, 'a shape dataset has no code fields to compile');
    const name = ds.name;
    const byPath = new Map<string, FieldNode>();
    const walk = (fields: Record<string, FieldSpec>, prefix: string[], specPrefix: string) => {
      for (const [k, f] of Object.entries(fields)) {
        const segments = [...prefix, k];
        const path = segments.join('.');
        const node: FieldNode = {
          id: this.nodes.length, path, segments, spec: f, specPath: `${specPrefix}.${k}`,
          key: hash53(`${spec.seed}\u0000${name}\u0000${path}`) >>> 0,
          deps: [], dependents: [], container: f.kind === 'object', gen: () => null,
          drawn: !['object', 'sequence', 'template', 'llm', 'from', 'pseudonym'].includes(f.kind),
          nullRate: ('nullRate' in f ? f.nullRate : undefined) ?? 0, template: f.kind === 'template',
        };
        this.nodes.push(node);
        byPath.set(path, node);
        if (f.kind === 'object') walk(f.fields, segments, `${node.specPath}.fields`);
      }
    };
    walk(ds.fields, [], `datasets[${datasetIndex}].fields`);

    for (const n of this.nodes) {
      const dep = (p: string) => {
        const target = byPath.get(p);
        if (target) n.deps.push(target.id);
      };
      if (n.segments.length > 1) dep(n.segments.slice(0, -1).join('.'));
      if (n.spec.kind === 'template') placeholders(n.spec.template).forEach(dep);
      for (const c of correlationsOf(n.spec)) dep(c.with);
    }
    // A field `after` its parent's date follows the parent ref: a redrawn ref moves it too.
    const parentRefNode = this.nodes.find((n) => n.spec.kind === 'ref' && n.spec.perParent);
    if (parentRefNode) for (const n of this.nodes) if ((n.spec.kind === 'date' || n.spec.kind === 'datetime') && n.spec.after) n.deps.push(parentRefNode.id);
    this.order = topoSort(this.nodes);
    const mixes = latentMixes(new Map(this.nodes.map((n) => [n.path, n.spec])), (path) => byPath.get(path)!.specPath);
    for (const n of this.nodes) {
      const mix = mixes.get(n.path);
      const correlate = mix && { nodes: mix.with.map((p) => byPath.get(p)!.id), betas: mix.betas, noise: mix.noise };
      n.gen = n.container ? () => ({}) : compileField(n.spec, { specPath: n.specPath, node: n.id, ...(correlate ? { correlate } : {}) }, fakers);
    }
    for (const n of this.order) n.dependents = this.order.filter((m) => m !== n && dependsOn(m, n, this.nodes)).map((m) => m.id);
    this.llmNodes = this.nodes.filter((n) => n.spec.kind === 'llm');
    this.uniqueNodes = this.order.filter((n) => n.spec.unique);
    this.latents = new Float64Array(this.nodes.length);
    this.instants = new Float64Array(this.nodes.length).fill(NaN);
    this.makeSkeleton = skeletonFactory(this.nodes, []);
    const splitCache = new Map<string, string[]>();
    const split = (p: string) => {
      let segs = splitCache.get(p);
      if (!segs) splitCache.set(p, (segs = p.split('.')));
      return segs;
    };
    const columnCache = new Map<string, string>();
    const sourceColumn = (p: string) => {
      let column = columnCache.get(p);
      if (column === undefined) columnCache.set(p, (column = p.slice(7)));
      return column;
    };
    this.ctx = {
      index: 0,
      attempt: 0,
      // `{{source.col}}` reads the legacy row (a source dataset has no field named source). The
      // column's name is cut out once: a new string per read made V8 look each one up in its string
      // table (perf, a million-row migration).
      lookup: (p) => (p.startsWith('source.') && this.row !== undefined ? this.row?.[sourceColumn(p)] : getPath(this.current, split(p))),
      source: (column) => this.row?.[column],
      latent: (id) => this.latents[id]!,
      setLatent: (id, z) => {
        this.latents[id] = z;
      },
      setInstant: (id, ms) => {
        this.instants[id] = ms;
      },
      parent: (dataset, field) => {
        this.parents ??= ParentIndex.build(this.spec, this.datasetIndex, perParentRef(this.spec, this.datasetIndex)!);
        const row = this.parents.parentOf(this.ctx.index);
        const key = `${dataset}.${field}`;
        // Siblings are contiguous: the previous record's parent is usually this one's (no JSON parse again).
        const last = this.lastParent.get(key);
        if (last && last.row === row) return last.value;
        const col = this.refs.get(key);
        if (!col || row >= col.length) throw new OrphanRecordError(`parent row ${row} of ${dataset} was not written (${dataset} wrote ${col?.length ?? 0} of its ${this.parents.parents} rows): this child has no parent`);
        const value = col.get(row);
        this.lastParent.set(key, { row, value });
        return value;
      },
      pickRef: (dataset, field, rng) => {
        const col = this.refs.get(`${dataset}.${field}`);
        if (!col || col.length === 0) throw new SpecError('', `ref ${dataset}.${field}: the referenced dataset has no written values to point at`);
        return col.get(rng.below(col.length));
      },
    };
  }

  /**
   * The instant of the date field `node` wrote in the record made last (generate, generateWith),
   * as `Date.parse` reads its text; meaningful only when that record's value is a string (a null
   * rate may have replaced it). NaN for a field that writes no date.
   */
  instantOf(node: number): number {
    return this.instants[node]!;
  }

  get name(): string {
    return this.spec.datasets[this.datasetIndex]!.name;
  }

  /** Supplies the written columns of referenced datasets (shared, not copied, across threads). */
  setRefColumns(columns: RefColumns): void {
    this.refs = new Map(Object.entries(columns).map(([k, d]) => [k, new SharedColumn(d)]));
    this.lastParent.clear();
  }

  /**
   * Supplies the legacy rows of a source dataset's batch: record `start + k` transforms `rows[k]`
   * (null for a malformed row).
   */
  setSourceRows(start: number, rows: ReadonlyArray<Record<string, unknown> | null>): void {
    this.sourceStart = start;
    this.sourceRows = rows;
  }

  /**
   * Record i with the changes uniqueness made to it replayed in order: a field redrawn with
   * stream `a`, or set to value `v` (a suffixed template). Dependents follow each change, so
   * the result is byte-for-byte the record the aggregator admitted.
   */
  generateWith(index: number, ops: ReadonlyArray<RecordOp>): DataRecord {
    const rec = this.generate(index);
    const attempts = new Map<number, number>();
    for (const [id, op] of ops) {
      if ('a' in op) this.redraw(rec, index, this.nodes[id]!, op.a, attempts);
      else this.redraw(rec, index, this.nodes[id]!, 0, attempts, { v: op.v });
    }
    return rec;
  }

  /** Record i, attempt 0. */
  generate(index: number): DataRecord {
    const rec = this.makeSkeleton();
    this.current = rec;
    this.ctx.index = index;
    this.selectRow(index);
    for (const n of this.order) this.evaluate(rec, n, index, 0);
    return rec;
  }

  /**
   * Draws field `node` again with stream `attempt` and recomputes everything that uses it,
   * so a record stays consistent (an email derived from a re-drawn name follows it).
   * `attempts` holds the attempt each field of this record was last drawn with. With `value`,
   * the field is set to it instead of drawn (a suffixed template) and only dependents follow.
   */
  redraw(rec: DataRecord, index: number, node: FieldNode, attempt: number, attempts: Map<number, number>, value?: { v: unknown }): void {
    this.current = rec;
    this.ctx.index = index;
    this.selectRow(index);
    attempts.set(node.id, attempt);
    const redrawn = new Set([node.id, ...node.dependents]);
    // Correlated dependents need the latents of the fields they follow: recompute those (same values).
    for (const n of this.order) if (!redrawn.has(n.id) && isNumeric(n.spec)) this.evaluate(rec, n, index, attempts.get(n.id) ?? 0);
    for (const id of redrawn) {
      if (value && id === node.id) setPath(rec, node.segments, value.v);
      else this.evaluate(rec, this.nodes[id]!, index, attempts.get(id) ?? 0);
    }
  }

  private selectRow(index: number): void {
    if (this.spec.datasets[this.datasetIndex]!.source) this.row = this.sourceRows[index - this.sourceStart] ?? null;
  }

  private evaluate(rec: DataRecord, n: FieldNode, index: number, attempt: number): void {
    this.ctx.attempt = attempt;
    // Sequences, templates and model holes draw nothing: no stream to seed.
    if (n.drawn) this.rng.reset(attempt === 0 ? mix32(n.key, index) : mix32(n.key, index, attempt));
    let value = n.gen(this.rng, this.ctx);
    const rate = n.nullRate;
    if (rate && this.nullRng.reset(mix32(n.key ^ NULL_SALT, index, attempt)).next() < rate) value = null;
    if (n.container && value !== null) {
      // Keep the skeleton's key order; only a null replaces the container.
      const parent = getParent(rec, n.segments);
      if (parent && parent[n.segments.at(-1)!] === null) parent[n.segments.at(-1)!] = skeletonFactory(this.nodes, n.segments)();
      return;
    }
    if (n.segments.length === 1) rec[n.path] = value;
    else setPath(rec, n.segments, value);
  }
}

function isNumeric(f: FieldSpec): boolean {
  return f.kind === 'normal' || f.kind === 'lognormal' || f.kind === 'uniform' || f.kind === 'exponential' || f.kind === 'poisson' || (f.kind === 'empirical' && !!f.quantiles);
}

function dependsOn(m: FieldNode, n: FieldNode, nodes: FieldNode[], seen = new Set<number>()): boolean {
  for (const d of m.deps) {
    if (d === n.id) return true;
    if (seen.has(d)) continue;
    seen.add(d);
    if (dependsOn(nodes[d]!, n, nodes, seen)) return true;
  }
  return false;
}

/** Kahn's algorithm, stable in spec order; a cycle is a spec error naming its fields. */
function topoSort(nodes: FieldNode[]): FieldNode[] {
  const indegree = nodes.map((n) => n.deps.length);
  const users = nodes.map(() => [] as number[]);
  nodes.forEach((n) => n.deps.forEach((d) => users[d]!.push(n.id)));
  const out: FieldNode[] = [];
  const ready = nodes.filter((n) => indegree[n.id] === 0).map((n) => n.id);
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const id = ready.shift()!;
    out.push(nodes[id]!);
    for (const u of users[id]!) if (--indegree[u]! === 0) ready.push(u);
  }
  if (out.length !== nodes.length) {
    const stuck = nodes.filter((n) => indegree[n.id]! > 0);
    throw new SpecError(stuck[0]!.specPath, `fields depend on each other in a cycle: ${stuck.map((n) => n.path).join(' → ')}`);
  }
  return out;
}

/**
 * Builds records with every key in spec order, so output columns never depend on the
 * order fields are generated in. Compiled once into closures: it runs for every record.
 * Each level is one object literal with the field names as its keys (JSON string literals: field
 * names are identifiers, nothing of the spec is evaluated), so every record starts with the same
 * map, its properties in the object: built a key at a time, each record went through eleven
 * map transitions, each a megamorphic keyed store (perf: 2% of a million-row migration's CPU).
 * A level naming `__proto__` (which a literal, like an assignment, would take for the prototype)
 * or a process that refuses code generation gets the loop.
 */
function skeletonFactory(nodes: FieldNode[], under: string[]): () => DataRecord {
  const depth = under.length;
  const children = nodes.filter((n) => n.segments.length === depth + 1 && under.every((s, i) => n.segments[i] === s));
  const keys = children.map((n) => n.segments[depth]!);
  const makers = children.map((n) => (n.container ? skeletonFactory(nodes, n.segments) : undefined));
  const literal = keys.map(literalKey);
  const made = literal.every((k) => k !== undefined) ? generatedFunction<() => DataRecord>('skeleton', { makers }, '', `return {\n${literal.map((k, i) => `${k}: ${makers[i] ? `makers[${i}]()` : 'null'},`).join('\n')}\n};`) : undefined;
  if (made) return made;
  return () => {
    const o: DataRecord = {};
    for (let i = 0; i < keys.length; i++) {
      const make = makers[i];
      o[keys[i]!] = make ? make() : null;
    }
    return o;
  };
}

function getParent(rec: DataRecord, segments: string[]): DataRecord | undefined {
  let o: unknown = rec;
  for (let i = 0; i < segments.length - 1; i++) {
    o = (o as DataRecord | null)?.[segments[i]!];
    if (o === null || typeof o !== 'object') return undefined;
  }
  return o as DataRecord;
}

/** Reads a dot path of a record; undefined when a parent is null. */
export function getPath(rec: DataRecord, segments: string[]): unknown {
  let o: unknown = rec;
  for (const s of segments) {
    if (o === null || typeof o !== 'object') return undefined;
    o = (o as DataRecord)[s];
  }
  return o;
}

/** Sets a dot path of a record whose parents exist (as the record was generated). */
export function setPath(rec: DataRecord, segments: string[], value: unknown): void {
  const parent = getParent(rec, segments);
  if (parent) parent[segments.at(-1)!] = value;
}
