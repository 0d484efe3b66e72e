import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '@synthfarm/engine';
import { parseSpecText } from '@synthfarm/spec';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { castCsvField } from '@synthfarm/sources';
import { tempDir } from './support/cli.js';
import { readJsonl } from './support/output.js';

/**
 * DESIGN §5: the CSV says what the JSONL says. Parsed back with csv-parse (as the CSV source
 * reads: an empty unquoted cell is null, `""` the empty string), every row equals its JSONL
 * record flattened: dot-path columns, arrays as JSON text, booleans true/false, nulls null apart
 * from empty strings, and text that a spreadsheet would run as a formula prefixed with `'`.
 */
const SPEC = `
name: tricky
count: 600
seed: 5
fields:
  id:    { kind: sequence }
  text:  { kind: choice, values: ["a,b", 'say "hi"', "line1\\nline2", "crlf\\r\\nend", "=SUM(A1:A2)", "+1 555 0100", "-minus", "@home", "\\ttab", "-5", "a=b", "plain", "", "ünï ✓"] }
  num:   { kind: choice, values: [-5, 0, 3.25, -0.5] }
  neg:   { kind: normal, mean: -10, sd: 5, round: 2 }
  flag:  { kind: bool, nullRate: 0.2 }
  when:  { kind: datetime, from: 2024-01-01, to: 2024-12-31 }
  day:   { kind: date, from: 2024-01-01, to: 2024-12-31 }
  label: { kind: template, template: "-{{id}}, \\"{{text}}\\"" }
  address:
    kind: object
    nullRate: 0.1
    fields:
      city: { kind: choice, values: ["=cmd|' /C calc'!A0", "Berlin, DE", "O'Hare"] }
      geo:  { kind: object, fields: { lat: { kind: uniform, min: -90, max: 90, round: 4 } } }
      zip:  { kind: uuid, nullRate: 0.3 }
  tags:  { kind: array, min: 0, max: 3, of: { kind: choice, values: ["x,y", 'q"', "-1", "=1"] } }
output:
  formats: [csv, jsonl]
`;

const COLUMNS = ['id', 'text', 'num', 'neg', 'flag', 'when', 'day', 'label', 'address.city', 'address.geo.lat', 'address.zip', 'tags'];

/** What a CSV cell must hold for a JSON value (written independently of the encoder). */
function expectedCell(v: unknown, escape: boolean): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return escape && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

/** Rows of a CSV file read with the CSV source's settings (null apart from ""). */
async function readCsv(path: string): Promise<{ header: string[]; rows: Record<string, string | null>[] }> {
  const [header, ...rest] = parse(await readFile(path, 'utf8'), { cast: castCsvField }) as string[][];
  return { header: header!, rows: rest.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))) };
}

function flatten(rec: Record<string, unknown>, escape: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const col of COLUMNS) {
    let v: unknown = rec;
    for (const seg of col.split('.')) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[seg];
    out[col] = expectedCell(v, escape);
  }
  return out;
}

async function generate(escapeFormulas: boolean): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const tmp = await tempDir('synthfarm-csv-');
  const text = escapeFormulas ? SPEC : SPEC.replace('formats: [csv, jsonl]', 'formats: [csv, jsonl]\n  escapeFormulas: false');
  const loaded = parseSpecText(text, 'tricky.yaml', { env: {}, overrides: { outDir: tmp.dir } });
  await runEmbedded({ loaded, threads: 0 });
  return tmp;
}

describe('CSV parsed back equals the JSONL', () => {
  let escaped: { dir: string; cleanup: () => Promise<void> };
  let raw: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    [escaped, raw] = await Promise.all([generate(true), generate(false)]);
  });
  afterAll(async () => {
    await Promise.all([escaped.cleanup(), raw.cleanup()]);
  });

  it('header: dot-path columns for nested objects, arrays as one column', async () => {
    expect((await readCsv(join(escaped.dir, 'tricky.csv'))).header).toEqual(COLUMNS);
  });

  it.each([true, false])('every row equals its flattened JSONL record (escapeFormulas %s)', async (escape) => {
    const dir = escape ? escaped.dir : raw.dir;
    const records = await readJsonl(join(dir, 'tricky.jsonl'));
    const { rows } = await readCsv(join(dir, 'tricky.csv'));
    expect(records).toHaveLength(600);
    expect(rows).toHaveLength(600);
    rows.forEach((row, i) => expect(row, `row ${i}`).toEqual(flatten(records[i]!, escape)));
  });

  it('the data really contains the hard cases, and they come out as a user expects', async () => {
    const records = await readJsonl(join(escaped.dir, 'tricky.jsonl'));
    const { rows } = await readCsv(join(escaped.dir, 'tricky.csv'));
    const cells = (col: string): Set<string | null> => new Set(rows.map((r) => r[col]!));
    expect(cells('text')).toEqual(new Set(['a,b', 'say "hi"', 'line1\nline2', 'crlf\r\nend', "'=SUM(A1:A2)", "'+1 555 0100", "'-minus", "'@home", "'\ttab", "'-5", 'a=b', 'plain', '', 'ünï ✓']));
    // Numbers are numbers, not formulas: -5 and -0.5 stay as written.
    expect(cells('num')).toEqual(new Set(['-5', '0', '3.25', '-0.5']));
    expect(rows.some((r) => r.neg!.startsWith('-'))).toBe(true);
    expect(rows.filter((r) => r.neg!.startsWith("'"))).toEqual([]);
    expect(cells('flag')).toEqual(new Set(['true', 'false', null]));
    expect(rows.every((r) => r.label!.startsWith("'-"))).toBe(true);
    expect(cells('address.city')).toEqual(new Set(["'=cmd|' /C calc'!A0", 'Berlin, DE', "O'Hare", null]));
    // A null object empties all of its columns; a null leaf only its own.
    const nullAddress = records.findIndex((r) => r.address === null);
    expect(nullAddress).toBeGreaterThanOrEqual(0);
    expect([rows[nullAddress]!['address.city'], rows[nullAddress]!['address.geo.lat'], rows[nullAddress]!['address.zip']]).toEqual([null, null, null]);
    // Arrays are JSON text; elements are not formula-escaped inside the JSON.
    const tagged = rows.find((r) => r.tags!.includes('=1'));
    expect(tagged && (JSON.parse(tagged.tags!) as string[])).toContain('=1');
    expect(rows.every((r) => Array.isArray(JSON.parse(r.tags!)))).toBe(true);
    // Dates are ISO-8601.
    expect(rows.every((r) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(r.when!) && /^\d{4}-\d{2}-\d{2}$/.test(r.day!))).toBe(true);
  });

  it('without escaping, formula-looking text is written as is', async () => {
    const { rows } = await readCsv(join(raw.dir, 'tricky.csv'));
    expect(new Set(rows.map((r) => r.text))).toContain('=SUM(A1:A2)');
    expect(rows.some((r) => r.text!.startsWith("'"))).toBe(false);
  });
});
