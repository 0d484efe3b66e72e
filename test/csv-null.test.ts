import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { runEmbedded } from '@synthfarm/engine';
import { parseSpecText } from '@synthfarm/spec';
import { castCsvField, createCsvSource } from '@synthfarm/sources';
import { tempDir } from './support/cli.js';
import { readJsonl } from './support/output.js';

/**
 * DESIGN §9: CSV keeps NULL (an empty, unquoted cell) apart from the empty string (`""`), and
 * reading our own CSV back (csv-parse with the CSV source's settings, or the CSV source itself)
 * gives null and "" where the JSONL has them.
 */
const SPEC = `
name: blanks
count: 200
seed: 11
fields:
  id:     { kind: sequence }
  maybe:  { kind: choice, values: [x], nullRate: 0.5 }
  nothing: { kind: choice, values: [""], hidden: true }
  empty:  { kind: template, template: "{{nothing}}" }
output:
  formats: [csv, jsonl]
`;

describe('CSV: NULL apart from the empty string', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir('synthfarm-csvnull-');
    await runEmbedded({ loaded: parseSpecText(SPEC, 'blanks.yaml', { env: {}, overrides: { outDir: tmp.dir } }), threads: 0 });
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('writes a null as an empty cell and "" as a quoted empty cell', async () => {
    const records = await readJsonl<{ id: number; maybe: string | null; empty: string }>(join(tmp.dir, 'blanks.jsonl'));
    const lines = (await readFile(join(tmp.dir, 'blanks.csv'), 'utf8')).split('\r\n');
    expect(lines[0]).toBe('id,maybe,empty');
    expect(records.some((r) => r.maybe === null)).toBe(true);
    expect(records.some((r) => r.maybe === 'x')).toBe(true);
    expect(records.every((r) => r.empty === '')).toBe(true);
    records.forEach((r, i) => expect(lines[i + 1], `row ${i}`).toBe(`${r.id},${r.maybe === null ? '' : 'x'},""`));
  });

  it('csv-parse with the CSV source settings reads null and "" back apart', async () => {
    const records = await readJsonl<Record<string, unknown>>(join(tmp.dir, 'blanks.jsonl'));
    const rows = parse(await readFile(join(tmp.dir, 'blanks.csv'), 'utf8'), { columns: true, cast: castCsvField }) as Record<string, unknown>[];
    expect(rows.map((r) => [r.maybe, r.empty])).toEqual(records.map((r) => [r.maybe, r.empty]));
  });

  it('the CSV source reads null and "" back apart', async () => {
    const records = await readJsonl<Record<string, unknown>>(join(tmp.dir, 'blanks.jsonl'));
    const src = createCsvSource(join(tmp.dir, 'blanks.csv'));
    const got: unknown[][] = [];
    for await (const item of src.read()) if (item.ok) got.push([item.values.maybe, item.values.empty]);
    await src.close();
    expect(got).toEqual(records.map((r) => [r.maybe, r.empty]));
  });
});
