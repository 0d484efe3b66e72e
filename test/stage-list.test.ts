/**
 * Stages as an ordered list (issue 10 item 4, DESIGN §8): generate → generate → enrich, each with
 * its own routing, end to end through the CLI against simulated models, in embedded and farm
 * mode. A later stage's prompt carries the values the earlier ones wrote (the sims log what they
 * were asked), every stage's routing is in decisions.jsonl, and both modes write the same bytes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { connectFarm } from '@synthfarm/farm';
import type { DecisionLine } from '@synthfarm/routing';
import type { SimServer } from '@synthfarm/sim';
import { tempDir } from './support/cli.js';
import { killAll, killRunCoordinators, runCli, sha256Files, spawnWorker, startSim } from './support/farm-harness.js';
import { readJsonl } from './support/output.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

const MODELS = ['cheap:1b', 'mid:8b'];
/** cheap breaks most long text: after its repairs, the cascade stage escalates about half of it to mid. */
const QUALITY = { 'cheap:1b': { hardBreakRate: 0.8, easyBreakRate: 0 } };
const SPEC = `seed: 21
name: people
count: 60
batchSize: 10
recordsPerCall: 10
fields:
  id:    { kind: sequence }
  tier:  { kind: choice, values: [free, paid] }
  mood:  { kind: llm, prompt: "their mood", values: [happy, neutral, grumpy] }
  bio:   { kind: llm, prompt: "Two sentences about a {{mood}} {{tier}} customer", maxLength: 160 }
stages:
  - { stage: generate, fields: [mood], route: cheapest, backends: [cheap, mid] }
  - { stage: generate, fields: [bio], route: cascade, backends: [cheap, mid], window: 2 }
  - { stage: enrich, backend: mid, sample: 0.5, fields: { persona: { kind: llm, prompt: "a persona label for this {{mood}} customer", maxLength: 40 } } }
backends:
  cheap: { provider: ollama, model: "cheap:1b", tier: 1, hosts: ["\${SIM_URL}"], costPer1kInput: 1, costPer1kOutput: 1 }
  mid:   { provider: ollama, model: "mid:8b",   tier: 2, hosts: ["\${SIM_URL}"], costPer1kInput: 4, costPer1kOutput: 4 }
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let specPath: string;
const sims: SimServer[] = [];
let simUrl: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-stage-list-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, SPEC);
  const opts = { models: MODELS, slots: 4, tokensPerSecond: 1e6, quality: QUALITY, requestLog: 10_000 };
  const [r, s1, s2] = await Promise.all([startRedis(), startSim(opts), startSim(opts)]);
  redis = r;
  sims.push(s1.sim, s2.sim);
  simUrl = s1.url;
  await Promise.all([spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: s1.url } }), spawnWorker({ redisUrl: redis.url, host: { name: 'gpu2', url: s2.url } })]);
});

afterAll(async () => {
  await killAll();
  if (redis) {
    const farm = await connectFarm(redis.url);
    await killRunCoordinators(farm);
    await farm.close();
  }
  await redis?.stop();
  await tmp?.cleanup();
});

interface Person { id: number; tier: string; mood: string; bio: string; persona: string | null }

/** The numbered record lines of every request the sims were asked by calls whose system prompt lists `field` (`- field (`). */
function linesAsking(field: string): string[] {
  return sims.flatMap((s) => s.requests())
    .filter((r) => r.messages.some((m) => m.role === 'system' && m.content.includes(`\n- ${field} (`)))
    .flatMap((r) => r.messages.filter((m) => m.role === 'user').flatMap((m) => m.content.split('\n')));
}

describe('an ordered list of three stages, each with its own routing', () => {
  let people: Person[];

  beforeAll(async () => {
    const emb = await runCli(['run', specPath, '--out', join(tmp.dir, 'embedded'), '--no-cache', '--json'], { SIM_URL: simUrl });
    expect(emb.stderr).toBe('');
    expect(emb.code).toBe(0);
    people = await readJsonl<Person>(join(tmp.dir, 'embedded', 'people.jsonl'));
  }, 120_000);

  it('writes every record; the enrich stage fills its sample', async () => {
    const m = JSON.parse(await readFile(join(tmp.dir, 'embedded', 'manifest.json'), 'utf8')) as Manifest;
    expect(m.datasets.people).toMatchObject({ written: 60, rejected: 0 });
    expect(m.decisions!.policies).toEqual({ 'people:0': 'cheapest', 'people:1': 'cascade', 'people:2': 'spot-check' });
    const enriched = people.filter((p) => p.persona !== null);
    expect(enriched.length).toBeGreaterThan(15);
    expect(enriched.length).toBeLessThan(45);
  });

  it("a later stage's prompt carries the values earlier stages wrote, record by record", () => {
    const bioLines = linesAsking('bio');
    const personaLines = linesAsking('persona');
    for (const p of people) {
      // Stage 1 (bio) was asked with stage 0's mood: in the record's facts and in its instruction.
      const id = `"id":${p.id},`;
      expect(bioLines.some((l) => l.includes(id) && l.includes(`"mood":"${p.mood}"`) && l.includes(`| bio: Two sentences about a ${p.mood} ${p.tier} customer`)), `bio prompt of record ${p.id}`).toBe(true);
      // Stage 2 (enrich) saw both: stage 1's bio among the facts, stage 0's mood in its instruction.
      if (p.persona !== null) {
        expect(personaLines.some((l) => l.includes(id) && l.includes(`"bio":${JSON.stringify(p.bio)}`) && l.includes(`| persona: a persona label for this ${p.mood} customer`)), `persona prompt of record ${p.id}`).toBe(true);
      }
    }
    // Stage 0 ran before any bio existed: its prompts carry none.
    expect(linesAsking('mood').filter((l) => l.includes('"bio"'))).toEqual([]);
  });

  it("every stage's routing is in decisions.jsonl: one line per batch and field of each generate stage, one per batch of the enrich stage", async () => {
    const lines = await readJsonl<DecisionLine>(join(tmp.dir, 'embedded', 'decisions.jsonl'));
    const byStep = (k: number) => lines.filter((l) => l.step === k);
    expect(byStep(0)).toHaveLength(6);
    expect(byStep(0).every((l) => l.policy === 'cheapest' && l.fields.join() === 'mood' && l.chosen === 'cheap')).toBe(true);
    expect(byStep(1)).toHaveLength(6);
    expect(byStep(1).every((l) => l.policy === 'cascade' && l.fields.join() === 'bio' && l.chosen === 'cheap')).toBe(true);
    // cheap broke most bios: the cascade escalated what its repairs could not fix to mid, and the decisions say so.
    expect(byStep(1).reduce((n, l) => n + (l.outcome.acceptedBy.mid ?? 0), 0)).toBeGreaterThan(10);
    expect(byStep(2)).toHaveLength(6);
    for (const l of byStep(2)) {
      expect(l).toMatchObject({ policy: 'spot-check', fields: ['persona'], chosen: 'mid' });
      expect(l.reason).toContain('50% sample');
    }
    const enriched = people.filter((p) => p.persona !== null).length;
    expect(byStep(2).reduce((n, l) => n + l.outcome.accepted, 0)).toBe(enriched);
    expect(byStep(2).every((l) => l.actualCost > 0)).toBe(true);
  });

  it('farm mode writes the same bytes, decisions.jsonl included', async () => {
    const farm = await runCli(['run', specPath, '--redis', redis.url, '--out', join(tmp.dir, 'farm'), '--fresh-weights', '--json'], { SIM_URL: simUrl });
    expect(farm.stderr).toBe('');
    expect(farm.code).toBe(0);
    const files = await sha256Files(join(tmp.dir, 'farm'));
    expect(Object.keys(files)).toContain('decisions.jsonl');
    expect(files).toEqual(await sha256Files(join(tmp.dir, 'embedded')));
  }, 120_000);
});
