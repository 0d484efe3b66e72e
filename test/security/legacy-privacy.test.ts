// Legacy values stay out of everything a transform run writes but its outputs (DESIGN §9): rejects,
// the event log, the manifest, lineage and the model response cache hold source keys, not values,
// unless the spec sets privacy.keepValues.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimServer, type SimServer } from '@synthfarm/sim';
import { synthfarm } from '../support/cli.js';

let sim: SimServer;
let url: string;
let dir: string;

// Values no fake or model answer could produce by chance: any file holding one leaked it.
const NAMES = ['Zebulon Quattlebaum', 'Philippa Xanthopoulou', 'Ignatius Vandersloot', 'Hortensia Blumquist'];
const NOTES = ['orders violet widgets quarterly zq41', 'complained about invoice kx77 twice', 'prefers fax, ledger ref mm93', 'ships to depot pl22 only'];
const BAD_DATE = '31/31/2031';
const LEGACY = [...NAMES, ...NOTES, BAD_DATE];

const spec = (out: string, extra = '') => `
sources:
  legacy: { dir: legacy }
datasets:
  - name: customers
    batchSize: 2
    recordsPerCall: 1
    source: { from: legacy, csv: customers.csv, key: id }
    fields:
      id:      { kind: from, column: id }
      name:    { kind: pseudonym, column: contact_name, method: person.fullName }
      joined:  { kind: from, column: signup, parse: { date: ["DD/MM/YYYY"] } }
      segment: { kind: llm, prompt: "Classify the customer from the notes: {{source.notes}}", values: [smb, mid, enterprise] }
backends:
  local: { provider: ollama, model: gemma3:4b, hosts: ["${url}"], maxRetries: 0 }
output: { formats: [jsonl, csv], dir: ${out}, lineage: true }
${extra}`;

/** Every file under `root`, with its text. */
async function filesUnder(root: string): Promise<Array<{ path: string; text: string }>> {
  const out: Array<{ path: string; text: string }> = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push({ path: path.slice(root.length + 1), text: await readFile(path, 'utf8') });
  }
  return out;
}

const leaks = (files: Array<{ path: string; text: string }>) => files.flatMap((f) => LEGACY.filter((v) => f.text.includes(v)).map((v) => `${f.path}: ${v}`));

async function run(out: string, extra = ''): Promise<void> {
  await writeFile(join(dir, `${out}.yaml`), spec(out, extra));
  const r = await synthfarm(['run', `${out}.yaml`, '--cache-dir', `${out}-cache`, '--max-rejects', '100%'], { cwd: dir, env: { SYNTHFARM_PSEUDONYM_KEY: 'privacy-test-key' } });
  expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  expect(r.code).toBe(0);
  expect(leaks([{ path: 'stderr', text: r.stderr }, { path: 'stdout', text: r.stdout }])).toEqual([]);
}

beforeAll(async () => {
  // A third of the answers are broken JSON (retried): the model's errors pass through the run too.
  sim = createSimServer({ tokensPerSecond: 1e6, promptTokensPerSecond: 1e7, faults: { malformedRate: 0.3 } });
  url = (await sim.listen(0)).url;
  dir = await mkdtemp(join(tmpdir(), 'sf-privacy-'));
  await mkdir(join(dir, 'legacy'));
  const rows = [
    'id,contact_name,signup,notes',
    ...NAMES.map((n, i) => `C${i + 1},${n},0${i + 1}/02/2001,"${NOTES[i]}"`),
    `C9,${NAMES[0]},${BAD_DATE},"${NOTES[1]}"`, // a date no format reads: a transform reject
    `C1,${NAMES[1]},01/01/2001,"${NOTES[2]}"`, // a duplicate key: a reject
    `C7,"${NAMES[2]},x`, // malformed (unclosed quote): a reject naming its line
  ];
  await writeFile(join(dir, 'legacy/customers.csv'), rows.join('\n') + '\n');
});
afterAll(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('legacy values in what a transform run writes', () => {
  it('rejects, events, manifest, lineage and the response cache hold keys, never legacy values', async () => {
    await run('private');
    const outputs = await filesUnder(join(dir, 'private'));
    const cache = await filesUnder(join(dir, 'private-cache'));
    expect(cache.length).toBeGreaterThan(0); // answers were cached
    const rejects = outputs.find((f) => f.path === 'rejects.jsonl')!.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // Every kind of reject is there, each naming its source key or line.
    expect([...new Set(rejects.map((r) => r.reason))]).toEqual(expect.arrayContaining(['transform_error', 'duplicate_key', 'malformed_row']));
    expect(rejects.find((r) => r.reason === 'transform_error')).toMatchObject({ source: 'legacy', sourceKey: 'C9' });
    expect(rejects.find((r) => r.reason === 'duplicate_key')).toMatchObject({ source: 'legacy', sourceKey: 'C1' });
    expect(rejects.find((r) => r.reason === 'malformed_row')).toMatchObject({ source: 'legacy', line: 8 });
    expect(leaks([...outputs, ...cache])).toEqual([]);
  });

  it('privacy.keepValues lets rejects and the report\'s reject examples show the value that failed', async () => {
    await run('kept', 'privacy: { keepValues: true }');
    const outputs = await filesUnder(join(dir, 'kept'));
    expect(leaks(outputs).sort()).toEqual([`rejects.jsonl: ${BAD_DATE}`, `report-data.json: ${BAD_DATE}`, `report.html: ${BAD_DATE}`]);
  });
});
