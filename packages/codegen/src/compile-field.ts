import { SpecError } from '@synthfarm/core/errors';
import { compileTemplate } from '@synthfarm/spec/field-paths';
import type { FieldSpec, NumericFieldSpec } from '@synthfarm/spec';
import { isoDay, isoSecond, isoSecondAt } from './iso-date.js';
import { TrafficWeights } from './traffic-weights.js';
import { ZoneOffsets } from './zone-offsets.js';
import { normalCdf, normalQuantile, poissonQuantile } from './distributions.js';
import type { FakerRegistry } from './faker-registry.js';
import { compileEmpirical } from './compile-empirical.js';
import { compileFrom, compilePseudonym } from './compile-transform.js';
import { clampRound } from './clamp-round.js';
import { mixLatent, type FieldGenerator, type FieldSite, type GenContext } from './field-generator.js';
import type { Rng } from './rng.js';

const DAY_MS = 86_400_000;

/**
 * Compiles one field spec into a generator. Objects and arrays compiled here are *inline*:
 * their children draw from the same stream in order (addressable objects are expanded by
 * compileDataset instead, so their children can be referenced by templates).
 */
export function compileField(f: FieldSpec, site: FieldSite, fakers: FakerRegistry): FieldGenerator {
  const gen = compileValue(f, site, fakers);
  if (!f.nullRate || site.node !== undefined) return gen; // addressable nulls use their own stream
  const rate = f.nullRate;
  return (rng, ctx) => (rng.next() < rate ? null : gen(rng, ctx));
}

function compileValue(f: FieldSpec, site: FieldSite, fakers: FakerRegistry): FieldGenerator {
  switch (f.kind) {
    case 'sequence': {
      const { start, step } = f;
      return (_rng, ctx) => start + ctx.index * step;
    }
    case 'uuid':
      return uuidV4;
    case 'faker':
      return fakers.resolve(f.method, f.args, f.locale, site.specPath);
    case 'template': {
      const { lower, upper } = f;
      const render = compileTemplate(f.template);
      return (_rng, ctx) => {
        const s = render(ctx.lookup);
        return lower ? s.toLowerCase() : upper ? s.toUpperCase() : s;
      };
    }
    case 'uniform': case 'normal': case 'lognormal': case 'exponential': case 'poisson':
      return compileNumeric(f, site);
    case 'bool': {
      const p = f.p;
      return (rng) => rng.next() < p;
    }
    case 'choice': {
      if (f.values) {
        const values = f.values;
        return (rng) => values[rng.below(values.length)];
      }
      const entries = Object.entries(f.weights!).filter(([, w]) => w > 0);
      const total = entries.reduce((a, [, w]) => a + w, 0);
      const cumulative = entries.map(([, w]) => w / total);
      for (let i = 1; i < cumulative.length; i++) cumulative[i]! += cumulative[i - 1]!;
      const values = entries.map(([v]) => v);
      return (rng) => {
        const u = rng.next();
        for (let i = 0; i < cumulative.length - 1; i++) if (u < cumulative[i]!) return values[i];
        return values[values.length - 1];
      };
    }
    case 'date': {
      const from = Math.floor(Date.parse(f.from) / DAY_MS);
      const to = Math.floor(Date.parse(f.to) / DAY_MS);
      const { node } = site;
      const day = (ctx: GenContext, d: number) => {
        if (node !== undefined) ctx.setInstant(node, d * DAY_MS);
        return isoDay(d);
      };
      if (!f.after) return (rng, ctx) => day(ctx, from + rng.below(to - from + 1));
      const [dataset, field] = splitAfter(f.after);
      return (rng, ctx) => {
        // On or after the parent's date as written (a datetime parent: its own calendar day).
        const lo = Math.max(from, Math.floor(Date.parse(String(ctx.parent(dataset, field)).slice(0, 10)) / DAY_MS));
        return day(ctx, lo > to ? lo : lo + rng.below(to - lo + 1));
      };
    }
    case 'datetime':
      return compileDatetime(f, site);
    case 'empirical':
      return compileEmpirical(f, site);
    case 'ref': {
      const { dataset, field } = f;
      // A child's ref is its parent's value: the row is a function of the record index alone.
      if (f.perParent) return (_rng, ctx) => ctx.parent(dataset, field);
      return (rng, ctx) => ctx.pickRef(dataset, field, rng);
    }
    case 'from':
      return compileFrom(f);
    case 'pseudonym':
      return compilePseudonym(f, site.specPath, fakers);
    case 'llm':
      // Written by the model in a later stage; the code stage leaves a hole.
      return () => null;
    case 'object': {
      const children = Object.entries(f.fields).map(([k, child]) => [k, compileField(child, { specPath: `${site.specPath}.fields.${k}` }, fakers)] as const);
      return (rng, ctx) => {
        const out: Record<string, unknown> = {};
        for (const [k, g] of children) out[k] = g(rng, ctx);
        return out;
      };
    }
    case 'array': {
      const { min, max } = f;
      const of = compileField(f.of, { specPath: `${site.specPath}.of` }, fakers);
      return (rng, ctx) => {
        const n = min + rng.below(max - min + 1);
        const out = new Array<unknown>(n);
        for (let j = 0; j < n; j++) out[j] = of(rng, ctx);
        return out;
      };
    }
  }
}

function compileDatetime(f: Extract<FieldSpec, { kind: 'datetime' }>, site: FieldSite): FieldGenerator {
  const from = Math.floor(Date.parse(f.from) / 1000);
  const to = Math.floor(Date.parse(f.to) / 1000);
  const zone = f.tz ? ZoneOffsets.of(f.tz, from, to) : undefined;
  const format = zone ? (sec: number) => isoSecondAt(sec, zone.at(sec)) : isoSecond;
  const weights = f.weights ? TrafficWeights.of(f.weights, from, to, f.tz, zone, site.specPath) : undefined;
  const pick = weights ? (rng: Rng, lo: number) => weights.sample(rng.next(), lo) : (rng: Rng, lo: number) => lo + rng.below(to - lo + 1);
  const { node } = site;
  // The text names this second whatever the zone (its offset is written in whole minutes).
  const written = (ctx: GenContext, sec: number) => {
    if (node !== undefined) ctx.setInstant(node, sec * 1000);
    return format(sec);
  };
  if (!f.after) return (rng, ctx) => written(ctx, pick(rng, from));
  const [dataset, field] = splitAfter(f.after);
  let lastParent: unknown;
  let lastLo = from;
  return (rng, ctx) => {
    // A date parent is midnight UTC of its day. A parent after `to` gives its own instant.
    const parent = ctx.parent(dataset, field);
    if (parent !== lastParent) {
      lastParent = parent;
      lastLo = Math.max(from, Math.ceil(Date.parse(String(parent)) / 1000));
    }
    const lo = lastLo;
    return written(ctx, lo > to ? lo : pick(rng, lo));
  };
}

function splitAfter(after: string): [dataset: string, field: string] {
  const dot = after.indexOf('.');
  return [after.slice(0, dot), after.slice(dot + 1)];
}

function compileNumeric(f: NumericFieldSpec, site: FieldSite): FieldGenerator {
  const toValue = quantile(f);
  const { node, correlate: mix } = site;
  if (f.correlate && !mix) throw new SpecError(`${site.specPath}.correlate`, 'correlate is supported on top-level and object fields, not inside arrays');
  const post = clampRound(f);
  return (rng, ctx) => {
    let z = normalQuantile(rng.next());
    if (mix) z = mixLatent(mix, z, ctx);
    if (node !== undefined) ctx.setLatent(node, z);
    return post(toValue(z));
  };
}

/** Maps a standard-normal latent to the field's distribution. */
function quantile(f: NumericFieldSpec): (z: number) => number {
  switch (f.kind) {
    case 'normal': return (z) => f.mean + f.sd * z;
    case 'lognormal': return (z) => Math.exp(f.mu + f.sigma * z);
    case 'uniform': return (z) => f.min + (f.max - f.min) * normalCdf(z);
    case 'exponential': return (z) => -Math.log(1 - Math.min(normalCdf(z), 1 - 1e-16)) / f.rate;
    case 'poisson': return (z) => poissonQuantile(normalCdf(z), f.lambda);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** RFC 4122 version-4 UUID from the field's stream. */
function uuidV4(rng: Rng): string {
  const a = rng.u32();
  const b = rng.u32();
  const c = rng.u32();
  const d = rng.u32();
  const h = (n: number, s: number) => HEX[(n >>> s) & 0xff]!;
  return (
    h(a, 24) + h(a, 16) + h(a, 8) + h(a, 0) + '-' +
    h(b, 24) + h(b, 16) + '-' +
    HEX[0x40 | ((b >>> 8) & 0x0f)]! + h(b, 0) + '-' +
    HEX[0x80 | ((c >>> 24) & 0x3f)]! + h(c, 16) + '-' +
    h(c, 8) + h(c, 0) + h(d, 24) + h(d, 16) + h(d, 8) + h(d, 0)
  );
}
