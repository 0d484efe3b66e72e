import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SpecError, UsageError } from '@synthfarm/core';
import { checkCompiles } from '@synthfarm/codegen';
import { FIELD_KINDS, RESERVED_DATASET_NAMES, parseSpecText } from '@synthfarm/spec';
import { ROOT } from '../support/cli.js';

/**
 * Seeded mutations of the shipped jobs and of specs using every field kind, checked in-process
 * the way `validate` and `run` check a spec (parseSpecText, then checkCompiles). Each must give a
 * clean verdict or a SpecError/UsageError (exit 2) of one short line: no crash, no other error
 * class, no stack trace, no value echoed in full.
 */

const SEED = 0x5eed_0007;
const CASES = 3000;
/**
 * CPU time of this process, never wall time (a shared machine's wall clock says little). One case
 * that takes long is a blow-up the limits missed (the slowest took about 100 ms when this was
 * written); all cases together took about 15 s, counting GC threads and a loaded machine's cache
 * misses, so the total has room for noise and still catches every check getting several times slower.
 */
const CASE_CPU_MS = 2_000;
const BUDGET_CPU_MS = 40_000;

const RICH = `
seed: 7
datasets:
  - name: people
    count: 50
    fields:
      id: { kind: uuid, unique: true }
      n: { kind: sequence, start: 10, step: 2 }
      first: { kind: faker, method: person.firstName, locale: de }
      email: { kind: template, template: "{{first}}.{{n}}@example.test", lower: true, unique: true }
      age: { kind: normal, mean: 40, sd: 12, min: 18, max: 90, integer: true }
      income: { kind: lognormal, mu: 10, sigma: 0.5, correlate: { with: age, r: 0.4 }, round: 2 }
      wait: { kind: exponential, rate: 0.5 }
      kids: { kind: poisson, lambda: 1.2 }
      score: { kind: uniform, min: 0, max: 1 }
      vip: { kind: bool, p: 0.1 }
      plan: { kind: choice, weights: { free: 5, pro: 2, team: 1 } }
      tier: { kind: choice, values: [a, b, c] }
      born: { kind: date, from: 1950-01-01, to: 2005-12-31 }
      seen: { kind: datetime, from: 2024-01-01, to: 2025-01-01, nullRate: 0.2 }
      address:
        kind: object
        fields:
          city: { kind: faker, method: location.city }
          zip: { kind: faker, method: string.numeric, args: [5] }
      tags: { kind: array, min: 0, max: 4, of: { kind: faker, method: word.noun } }
      bio: { kind: llm, prompt: "Two lines about {{first}}, age {{age}}", maxLength: 200 }
  - name: orders
    count: 100
    batchSize: 25
    fields:
      person: { kind: ref, dataset: people, field: id }
      items: { kind: array, max: 3, of: { kind: object, fields: { sku: { kind: faker, method: string.alphanumeric, args: [{ length: 8 }] }, qty: { kind: poisson, lambda: 2 } } } }
  - name: reviews
    count: 20
    shape: { title: string, stars: 0, tags: [string] }
backends:
  local: { provider: ollama, model: gemma3:4b, hosts: [http://localhost:11434], slots: 2 }
stages:
  generate: { backend: local }
output: { formats: [csv, jsonl], dir: out/rich }
`;

const SEEDS: string[] = [
  ...readdirSync(join(ROOT, 'jobs')).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(ROOT, 'jobs', f), 'utf8')),
  RICH,
  'name: people\ncount: 10\nfields:\n  id: { kind: sequence }\n  name: { kind: faker, method: person.fullName }\n',
];

/** mulberry32: small, seeded, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = unknown;
const HUGE: Json[] = [1e12, 1e9, 1e308, -1, 0, -0.5, 0.5, 2 ** 53 + 1, 1e6, 100_000, Number.MAX_SAFE_INTEGER, Infinity, -Infinity, NaN];
const WEIRD: Json[] = [null, true, false, '', 'x', '${NOPE}', '${X:-3}', '{{nope}}', '2020-13-45', 'a'.repeat(20_000), [], {}, [1, 2], { kind: 'uuid' }, 'person.nope', 'string.alpha', ...RESERVED_DATASET_NAMES];

function mutate(root: Json, r: () => number, pick: <T>(xs: readonly T[]) => T): Json {
  // Every (parent, key) of the tree, so one can be chosen uniformly.
  const spots: Array<[Record<string, Json> | Json[], string | number]> = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach((x, i) => (spots.push([v, i]), walk(x)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (spots.push([v as Record<string, Json>, k]), walk(x));
  };
  walk(root);
  const rounds = 1 + Math.floor(r() * 3);
  for (let i = 0; i < rounds && spots.length; i++) {
    const [parent, key] = pick(spots);
    const p = parent as Record<string | number, Json>;
    const what = r();
    if (what < 0.25) p[key] = pick(HUGE);
    else if (what < 0.45) p[key] = pick(WEIRD);
    else if (what < 0.55 && !Array.isArray(parent)) delete p[key];
    else if (what < 0.65 && !Array.isArray(parent)) p[pick(['kind', 'unique', 'nullRate', 'args', 'of', 'fields', 'max', 'bogus', 'count', String(key) + '2'])] = p[key];
    else if (what < 0.75) p[key] = { kind: pick(FIELD_KINDS), ...(typeof p[key] === 'object' && p[key] && !Array.isArray(p[key]) ? (p[key] as object) : {}) };
    else if (what < 0.83) p[key] = [p[key], p[key]];
    else if (what < 0.9) p[key] = { kind: 'array', max: pick([3, 1000, 10_000]), of: p[key] };
    else if (what < 0.95) p[key] = { kind: 'faker', method: pick(['string.alpha', 'lorem.paragraphs', 'helpers.fromRegExp', 'number.int', 'person.nope', 'date.betweens']), args: [pick(HUGE.concat(['[a-z]{99999999}', { length: 1e9 }, { count: 5 }]))] };
    else p[key] = { kind: 'object', fields: { inner: p[key], deeper: { kind: 'object', fields: { x: p[key] } } } }; // nesting grows
  }
  return root;
}

/** Text-level mutations: aliases, duplicated lines, cut documents, stray characters. */
function mutateText(text: string, r: () => number, pick: <T>(xs: readonly T[]) => T): string {
  const lines = text.split('\n');
  const at = Math.floor(r() * lines.length);
  switch (Math.floor(r() * 7)) {
    case 0: lines.splice(at, 0, lines[at] ?? ''); break; // duplicate key
    case 1: return text.slice(0, Math.floor(r() * text.length));
    case 2: lines[at] = (lines[at] ?? '') + pick([' &a', ' *a', ' *nope', ': [', '{', '"', "'", ' # x', '\t', ': &b [*b]']); break;
    case 3: return `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n${text}`;
    case 4: return `x: ${'['.repeat(Math.floor(r() * 200))}\n${text}`;
    case 5: lines[at] = (lines[at] ?? '').replace(/\d+/, pick(['1e12', '99999999999999999999', '-0', '.nan', '.inf', '0x10', '1_000']));
      break;
    default: lines[at] = (lines[at] ?? '').replace(/: /, ': &anchor ') + '\nzz: *anchor';
  }
  return lines.join('\n');
}

describe('spec fuzz', () => {
  it(`${CASES} seeded mutations: a clean verdict or a one-line spec error, nothing else`, async () => {
    const r = rng(SEED);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const cpu0 = process.cpuUsage();
    const verdicts = { valid: 0, spec: 0, usage: 0 };
    for (let i = 0; i < CASES; i++) {
      const base = pick(SEEDS);
      let text: string;
      if (r() < 0.7) {
        const tree = mutate(parse(base) as Json, r, pick);
        text = r() < 0.5 ? stringify(tree, { aliasDuplicateObjects: r() < 0.5 }) : JSON.stringify(tree);
      } else {
        text = mutateText(base, r, pick);
      }
      let failure: unknown;
      const caseCpu0 = process.cpuUsage();
      try {
        const loaded = parseSpecText(text, `fuzz-${i}.yaml`, { env: {} });
        await checkCompiles(loaded.spec);
        verdicts.valid++;
      } catch (err) {
        failure = err;
      }
      const caseCpu = process.cpuUsage(caseCpu0);
      const where = `case ${i} (seed ${SEED}):\n${text.slice(0, 2000)}`;
      expect((caseCpu.user + caseCpu.system) / 1000, `CPU ms for ${where}`).toBeLessThan(CASE_CPU_MS);
      if (failure === undefined) continue;
      if (!(failure instanceof SpecError || failure instanceof UsageError)) throw new Error(`${where}\nnot a spec error: ${String((failure as Error)?.stack ?? failure)}`);
      expect(failure.exitCode, where).toBe(2);
      expect(failure.message, where).not.toMatch(/\n|\s{4}at |internal error|Maximum call stack|\[object Object\]|NaN NaN/);
      expect(failure.message.length, where).toBeLessThan(1100);
      if (failure instanceof SpecError) verdicts.spec++;
      else verdicts.usage++;
    }
    const { user, system } = process.cpuUsage(cpu0);
    const cpuMs = (user + system) / 1000;
    // Each kind of verdict happens: the mutations reach past the parser, and some stay valid.
    expect(verdicts.valid).toBeGreaterThan(CASES * 0.05);
    expect(verdicts.spec).toBeGreaterThan(CASES * 0.3);
    expect(verdicts.usage).toBeGreaterThan(CASES * 0.05);
    expect(cpuMs).toBeLessThan(BUDGET_CPU_MS);
    // The wall-clock timeout only bounds a hang: on a loaded two-core machine 15 s of CPU can take minutes.
  }, 300_000);
});
