import { SpecError } from '@synthfarm/core/errors';
import type { FieldSpec } from './field-schema.js';

/** One `correlate` partner: a numeric field of the same dataset (dot path) and the target r. */
export interface Correlation {
  with: string;
  r: number;
}

/** A field's `correlate` as a list: `{ with, r }`, or a list of them; [] when it has none. */
export function correlationsOf(f: FieldSpec): Correlation[] {
  if (!('correlate' in f) || !f.correlate) return [];
  return Array.isArray(f.correlate) ? f.correlate : [f.correlate];
}

/**
 * How a field's standard-normal latent is drawn from its partners' latents: z = Σ βᵢ·zᵢ + noise·ε.
 * One partner: β = r and noise = √(1 − r²), the Gaussian copula `correlate` has always drawn.
 */
export interface LatentMix {
  with: string[];
  betas: number[];
  noise: number;
}

/**
 * The latent mix of every field of a dataset that has `correlate` partners, by dot path. With
 * several partners the field is drawn from its partners' latents by Gaussian conditioning: β =
 * Σ⁻¹r, where Σ is the correlation of the partners' own latents (as their own `correlate`s make
 * them, followed through the chain), so each partner's latent correlates with the field's by its
 * r exactly; the noise keeps the field's latent standard normal. Targets that no joint normal can
 * meet (x ~ a at 0.9 and x ~ b at 0.9 while a ~ b at −0.5) are a SpecError at `where(path)`.
 * `paths`: the dataset's addressable fields (fieldPaths), so `with` is a full dot path.
 */
export function latentMixes(paths: ReadonlyMap<string, FieldSpec>, where: (path: string) => string): Map<string, LatentMix> {
  const mixes = new Map<string, LatentMix>();
  // Correlations of the latents placed so far, lower-triangular by place: rows[i][j] for j < i
  // (at most 1,000 fields: 4 MB).
  const index = new Map<string, number>();
  const rows: Float64Array[] = [];
  const c = (a: string, b: string): number => {
    if (a === b) return 1;
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined) return 0;
    return i > j ? rows[i]![j]! : rows[j]![i]!;
  };
  const placing = new Set<string>();

  const place = (path: string): void => {
    if (index.has(path)) return;
    if (placing.has(path)) throw new SpecError(`${where(path)}.correlate`, `correlate forms a cycle through '${path}': a field's partners must not correlate back to it`);
    placing.add(path);
    const f = paths.get(path);
    const partners = f ? correlationsOf(f) : [];
    for (const p of partners) if (paths.has(p.with)) place(p.with);
    const row = new Float64Array(rows.length);
    if (partners.length) {
      const mix = solveMix(partners, c);
      if (!mix) throw new SpecError(`${where(path)}.correlate`, infeasible(partners, c));
      mixes.set(path, mix);
      // The new latent's correlation with every latent placed before it (its partners included).
      for (const [other, j] of index) row[j] = mix.with.reduce((s, w, k) => s + mix.betas[k]! * c(w, other), 0);
    }
    placing.delete(path);
    index.set(path, rows.length);
    rows.push(row);
  };
  for (const [path, f] of paths) if (correlationsOf(f).length) place(path);
  return mixes;
}

/** β = Σ⁻¹r and the noise that keeps the latent's variance 1; undefined when none exists. */
function solveMix(partners: readonly Correlation[], c: (a: string, b: string) => number): LatentMix | undefined {
  const names = partners.map((p) => p.with);
  const r = partners.map((p) => p.r);
  if (new Set(names).size !== names.length) return undefined;
  if (partners.length === 1) return { with: names, betas: [r[0]!], noise: Math.sqrt(1 - r[0]! * r[0]!) };
  const betas = solve(names.map((a) => names.map((b) => c(a, b))), r);
  if (!betas) return undefined;
  const explained = betas.reduce((s, b, i) => s + b * r[i]!, 0);
  // The partners would explain all of the latent's variance, or more than all of it.
  if (!(1 - explained > 1e-9)) return undefined;
  return { with: names, betas, noise: Math.sqrt(1 - explained) };
}

/** Gaussian elimination with partial pivoting; undefined when the matrix is singular. */
function solve(m: number[][], y: number[]): number[] | undefined {
  const n = y.length;
  const a = m.map((row, i) => [...row, y[i]!]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[p]![k]!)) p = i;
    if (Math.abs(a[p]![k]!) < 1e-12) return undefined;
    [a[k], a[p]] = [a[p]!, a[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = a[i]![k]! / a[k]![k]!;
      for (let j = k; j <= n; j++) a[i]![j]! -= f * a[k]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = a[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= a[i]![j]! * x[j]!;
    x[i] = s / a[i]![i]!;
  }
  return x;
}

function infeasible(partners: readonly Correlation[], c: (a: string, b: string) => number): string {
  const names = partners.map((p) => p.with);
  const between = names.flatMap((a, i) => names.slice(i + 1).map((b) => `${a}~${b} ${round(c(a, b))}`));
  if (new Set(names).size !== names.length) return `names a partner twice (${names.join(', ')})`;
  return `the correlations ${partners.map((p) => `with ${p.with} (${p.r})`).join(' and ')} cannot all hold: the partners' own correlations are ${between.join(', ')}; lower one of the r values`;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
