import type { Rng } from './rng.js';

/** What a generator can see of the record being built. */
export interface GenContext {
  /** Record index within its dataset, 0-based. */
  index: number;
  /** Value of another field of this record by dot path (already generated: dependency order). */
  lookup(path: string): unknown;
  /** Standard-normal latent of a numeric field, by node id (for `correlate`). */
  latent(node: number): number;
  setLatent(node: number, z: number): void;
  /**
   * A date field's value as an instant (ms since the epoch, what `Date.parse` gives for the text
   * written), by node id: the run's report summarizes dates by their instant without parsing back
   * what was just formatted.
   */
  setInstant(node: number, ms: number): void;
  /** Which draw of a unique field this is (0 first; a collision redraws with 1, 2, ...). */
  attempt: number;
  /** A column of the legacy row this record transforms (undefined outside source datasets). */
  source(column: string): unknown;
  /**
   * The value of `field` on this record's parent row (the row of `dataset` its perParent ref
   * belongs to). Throws an OrphanRecordError when that parent row was not written.
   */
  parent(dataset: string, field: string): unknown;
  /** Picks a value of a referenced dataset's written column. */
  pickRef(dataset: string, field: string, rng: Rng): unknown;
}

/** A compiled field: draws its value from its own stream. */
export type FieldGenerator = (rng: Rng, ctx: GenContext) => unknown;

/** Where a field sits, for messages and for correlation lookups. */
export interface FieldSite {
  /** Spec path for errors: `datasets[0].fields.age`. */
  specPath: string;
  /** Node id of this field (addressable fields only), for latents. */
  node?: number;
  /** How the field's latent mixes its `correlate` partners' latents (spec latentMixes), by their node ids. */
  correlate?: NodeMix;
}

/** z = Σ betas[i] · latent(nodes[i]) + noise · ε (see latentMixes in @synthfarm/spec). */
export interface NodeMix {
  nodes: number[];
  betas: number[];
  noise: number;
}

/** A field's standard-normal latent from its own draw `z` (ε) and its partners' latents. */
export function mixLatent(mix: NodeMix, z: number, ctx: GenContext): number {
  // One partner is the first term alone: the same arithmetic, and bytes, as before lists.
  let s = mix.betas[0]! * ctx.latent(mix.nodes[0]!);
  for (let i = 1; i < mix.nodes.length; i++) s += mix.betas[i]! * ctx.latent(mix.nodes[i]!);
  return s + mix.noise * z;
}
