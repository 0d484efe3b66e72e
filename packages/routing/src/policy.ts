import type { GenerateStep } from '@synthfarm/spec';
import type { ArmState } from './arm-state.js';
import type { Complexity } from './complexity.js';
import type { FieldProfile } from './field-profile.js';
import type { RegistryEntry } from './registry.js';
import type { RouteRng } from './rng.js';

/** What a policy decides one field of one batch from. Nothing here depends on timing. */
export interface PolicyInput {
  field: FieldProfile;
  complexity: Complexity;
  /** The stage's candidates, in escalation order (tier, then price). */
  candidates: readonly RegistryEntry[];
  /** What was observed of each candidate on this field before the routing window. */
  arm(e: RegistryEntry): ArmState | undefined;
  /** USD per attempt at this field on a backend: observed, else estimated from its prices. */
  unitCost(e: RegistryEntry): number;
  step: GenerateStep;
  /** Draws for this (dataset, batch, field) only. */
  rng: RouteRng;
}

/** A policy's decision for one field. */
export interface PolicyChoice {
  /** Backends in the order they write the field (the first, then escalations). */
  ladder: string[];
  /** Ensemble members. */
  members?: string[];
  alternatives: Array<{ backend: string; score: number }>;
  reason: string;
}

/** One routing policy (DESIGN §8); one per file under policies/. */
export interface RoutePolicy {
  readonly name: 'fixed' | 'cheapest' | 'cascade' | 'ensemble' | 'learned';
  /** `record`: today's whole-record chain; `field`: per-field ladders; `ensemble`: members merged. */
  readonly mode: 'record' | 'field' | 'ensemble';
  choose(input: PolicyInput): PolicyChoice;
}
