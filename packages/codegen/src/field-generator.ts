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
  /** Node id of the `correlate.with` field. */
  correlateNode?: number;
}
