import { SpecError } from '@synthfarm/core/errors';
import type { EmpiricalFieldSpec } from '@synthfarm/spec';
import { empiricalOutput, empiricalValues } from '@synthfarm/spec/empirical';
import { normalCdf, normalQuantile } from './distributions.js';
import { isoDay, isoSecond } from './iso-date.js';
import type { FieldSite } from './field-generator.js';
import { clampRound } from './clamp-round.js';
import { quantileAt } from './empirical-draw.js';
import { mixLatent, type FieldGenerator } from './field-generator.js';

const DAY_MS = 86_400_000;

/**
 * An `empirical` field: inverse-CDF sampling of observed quantiles (linear interpolation between
 * neighbours, the same estimator as PostgreSQL's `percentile_cont`), or a weighted pick of
 * observed values. Like every numeric kind it draws one uniform from its stream, keeps a
 * standard-normal latent for `correlate` (Gaussian copula), and honours integer / round / min / max.
 */
export function compileEmpirical(f: EmpiricalFieldSpec, site: FieldSite): FieldGenerator {
  if (f.weights) return weighted(f);
  const out = empiricalOutput(f);
  const xs = out === 'number' ? (f.quantiles as number[]) : (f.quantiles as string[]).map((q) => Date.parse(q));
  const at = quantileAt(xs);
  const format = out === 'date' ? (ms: number) => isoDay(Math.floor(ms / DAY_MS)) : out === 'datetime' ? (ms: number) => isoSecond(Math.floor(ms / 1000)) : clampRound(f);
  // What a date text written from `ms` names (see GenContext.setInstant).
  const instant = out === 'date' ? (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS : out === 'datetime' ? (ms: number) => Math.floor(ms / 1000) * 1000 : undefined;
  const { node, correlate: mix } = site;
  if (f.correlate && !mix) throw new SpecError(`${site.specPath}.correlate`, 'correlate is supported on top-level and object fields, not inside arrays');
  if (node === undefined && !mix) return (rng) => format(at(rng.next()));
  return (rng, ctx) => {
    let u = rng.next();
    let z = normalQuantile(u);
    if (mix) {
      z = mixLatent(mix, z, ctx);
      u = normalCdf(z);
    }
    const x = at(u);
    if (node !== undefined) {
      ctx.setLatent(node, z);
      if (instant) ctx.setInstant(node, instant(x));
    }
    return format(x);
  };
}

function weighted(f: EmpiricalFieldSpec): FieldGenerator {
  const all = empiricalValues(f);
  const ws = Object.values(f.weights!);
  const values = all.filter((_, i) => ws[i]! > 0);
  const kept = ws.filter((w) => w > 0);
  const total = kept.reduce((a, b) => a + b, 0);
  const cumulative = kept.map((w) => w / total);
  for (let i = 1; i < cumulative.length; i++) cumulative[i]! += cumulative[i - 1]!;
  return (rng) => {
    const u = rng.next();
    for (let i = 0; i < cumulative.length - 1; i++) if (u < cumulative[i]!) return values[i];
    return values[values.length - 1];
  };
}
