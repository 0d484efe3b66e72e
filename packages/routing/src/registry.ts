import { callCost } from '@synthfarm/llm';
import type { Spec } from '@synthfarm/spec';

/** A backend as the decision engine sees it: capability tier, prices, limits and hosts. */
export interface RegistryEntry {
  name: string;
  provider: 'ollama' | 'openai';
  model: string;
  /** Capability tier, 1 = smallest (the spec's `tier`, else its rank by price). */
  tier: number;
  /** USD per 1000 prompt / generated tokens. */
  costPer1kInput: number;
  costPer1kOutput: number;
  /** Parallel requests per host; requests and tokens per minute when limited. */
  slots: number;
  rpm?: number | undefined;
  tpm?: number | undefined;
  /** Hosts (embedded mode), or the remote API's base URL. */
  hosts: string[];
  remote: boolean;
  /** Arm identity across specs and runs: `provider:model`. */
  arm: string;
}

/** The model registry of a spec (DESIGN §8): every backend with its tier, prices, limits and hosts. */
export interface ModelRegistry {
  readonly entries: readonly RegistryEntry[];
  get(name: string): RegistryEntry | undefined;
  /** `names` ordered by tier, then by output price, then as written: the escalation order. */
  ladder(names: readonly string[]): RegistryEntry[];
  /** USD of a call of `tokensIn` / `tokensOut` on backend `name`. */
  cost(name: string, tokensIn: number, tokensOut: number): number;
  /** The highest tier among `names` (its cheapest backend): shadow evaluation and the judge go there. */
  top(names: readonly string[]): RegistryEntry | undefined;
}

/**
 * Builds the registry from `backends:`. A backend without `tier` is ranked by its output price
 * among the backends without one (cheapest = 1), after the highest tier given explicitly.
 */
export function createModelRegistry(spec: Spec): ModelRegistry {
  const defs = Object.entries(spec.backends);
  const untiered = defs.filter(([, b]) => b.tier === undefined).sort(([, a], [, b]) => a.costPer1kOutput - b.costPer1kOutput || a.costPer1kInput - b.costPer1kInput);
  const prices = [...new Set(untiered.map(([, b]) => b.costPer1kOutput * 1000 + b.costPer1kInput))];
  const entries: RegistryEntry[] = defs.map(([name, b]) => ({
    name,
    provider: b.provider,
    model: b.model,
    tier: b.tier ?? prices.indexOf(b.costPer1kOutput * 1000 + b.costPer1kInput) + 1,
    costPer1kInput: b.costPer1kInput,
    costPer1kOutput: b.costPer1kOutput,
    slots: b.slots,
    rpm: b.rpm,
    tpm: b.tpm,
    hosts: b.baseUrl ? [b.baseUrl] : b.hosts ?? [],
    remote: !!b.baseUrl,
    arm: `${b.provider}:${b.model}`,
  }));
  const byName = new Map(entries.map((e) => [e.name, e]));
  const order = (a: RegistryEntry, b: RegistryEntry) => a.tier - b.tier || a.costPer1kOutput - b.costPer1kOutput || a.costPer1kInput - b.costPer1kInput;
  return {
    entries,
    get: (n) => byName.get(n),
    ladder: (names) => names.map((n) => byName.get(n)).filter((e): e is RegistryEntry => !!e).sort(order),
    cost: (n, i, o) => callCost(byName.get(n) ?? {}, i, o),
    top(names) {
      const l = names.map((n) => byName.get(n)).filter((e): e is RegistryEntry => !!e).sort(order);
      const max = l.at(-1)?.tier;
      return l.find((e) => e.tier === max);
    },
  };
}
