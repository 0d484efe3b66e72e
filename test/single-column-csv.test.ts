// Issue 7 item 12: a one-column CSV whose value is null or "" must not write a blank line, which
// CSV readers drop: every record stays one row.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runEmbedded } from '@synthfarm/engine';
import { parseSpecText } from '@synthfarm/spec';
import { tempDir } from './support/cli.js';
import { readJsonl } from './support/output.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('synthfarm-one-column-');
});
afterAll(() => tmp.cleanup());

it.for([0, 2])('a one-column dataset with nulls and empty strings keeps one CSV row per record (threads %i)', async (threads) => {
  const out = join(tmp.dir, `t${threads}`);
  const spec = 'name: notes\ncount: 300\nseed: 9\nfields:\n  note: { kind: choice, values: ["", "a", "b,c"], nullRate: 0.3 }\noutput:\n  formats: [csv, jsonl]\n';
  const m = await runEmbedded({ loaded: parseSpecText(spec, 'spec.yaml', { overrides: { outDir: out } }), threads });
  const jsonl = await readJsonl<{ note: string | null }>(join(out, 'notes.jsonl'));
  expect(jsonl.some((r) => r.note === null) && jsonl.some((r) => r.note === '')).toBe(true);
  const text = await readFile(join(out, 'notes.csv'), 'utf8');
  expect(text.split('\r\n').slice(0, -1)).not.toContain('');
  const rows = parse(text, { columns: true }) as Array<{ note: string }>;
  expect(rows).toHaveLength(300);
  expect(m.datasets.notes!.files.find((f) => f.format === 'csv')!.rows).toBe(300);
  // null and "" both read back as "" in a one-column file; every other value as itself.
  expect(rows.map((r) => r.note)).toEqual(jsonl.map((r) => r.note ?? ''));
});
