import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stackLines, synthfarm, tempDir } from './support/cli.js';

/**
 * Every bad input gives one short line naming what is wrong and where, exit code 2, and no
 * stack trace (DESIGN §2, §4). Each case spawns the built CLI the way a user would run it.
 */

const KINDS = 'sequence, uuid, faker, template, uniform, normal, lognormal, exponential, poisson, bool, choice, date, datetime, empirical, ref, llm, object, array, from, pseudonym';

const SPECS: Record<string, string> = {
  'ok.yaml': 'name: people\ncount: 5\nfields:\n  id: { kind: sequence }\n',
  'bigseed.yaml': 'seed: 9007199254740993\nname: people\ncount: 5\nfields:\n  id: { kind: sequence }\n',
  'syntax.yaml': 'name: people\ncount: 5\nfields:\n  id: { kind: sequence\n  b: 1\n',
  'kind.yaml': 'name: people\ncount: 5\nfields:\n  id: { kind: wibble }\n',
  'faker.yaml': 'name: people\ncount: 5\nfields:\n  name: { kind: faker, method: person.nope }\n',
  'ref.yaml': 'datasets:\n  - name: orders\n    count: 5\n    fields:\n      customerId: { kind: ref, dataset: customers, field: id }\n',
  'unique.yaml': 'name: people\ncount: 10\nfields:\n  plan: { kind: choice, values: [a, b, c], unique: true }\n',
  'count0.yaml': 'name: people\ncount: 0\nfields:\n  id: { kind: sequence }\n',
  'countneg.yaml': 'datasets:\n  - name: people\n    count: -3\n    fields:\n      id: { kind: sequence }\n',
  'env.yaml': 'name: people\ncount: ${NOPE}\nfields:\n  id: { kind: sequence }\n',
  'multi.yaml': 'datasets:\n  - name: a\n    count: 5\n    fields: { id: { kind: sequence } }\n  - name: b\n    count: 5\n    fields: { id: { kind: sequence } }\n',
  'exhausted.yaml': 'name: people\ncount: 50\nfields:\n  flag: { kind: faker, method: datatype.boolean, unique: true }\n',
};

let tmp: { dir: string; cleanup: () => Promise<void> };
const at = (f: string): string => join(tmp.dir, f);

beforeAll(async () => {
  tmp = await tempDir('synthfarm-errors-');
  await Promise.all(Object.entries(SPECS).map(([f, text]) => writeFile(at(f), text)));
  await writeFile(at('a-file'), 'not a directory');
  await mkdir(at('no-run'));
  await mkdir(at('other-run'));
  await writeFile(at('other-run/manifest.json'), '{"name": "some other tool"}');
});
afterAll(async () => {
  await tmp.cleanup();
});

/** [name, args (relative to the temp dir), stderr: exact line or pattern]. */
const cases: Array<[string, () => string[], (dir: string) => string | RegExp]> = [
  ['missing spec file', () => ['run', at('nope.yaml')], (d) => `synthfarm: spec file not found: ${join(d, 'nope.yaml')}`],
  ['YAML syntax error, with line:col', () => ['validate', at('syntax.yaml')], () => /^synthfarm: syntax\.yaml:5:3: YAML syntax error: \S.*$/],
  ['unknown field kind', () => ['run', at('kind.yaml')], () => `synthfarm: datasets[0].fields.id.kind: unknown field kind 'wibble' (expected one of: ${KINDS})`],
  ['unknown faker method', () => ['validate', at('faker.yaml')], () => /^synthfarm: datasets\[0\]\.fields\.name\.method: unknown faker method 'person\.nope' \(person has: firstName, .*\)$/],
  ['ref to a missing dataset', () => ['plan', at('ref.yaml')], () => "synthfarm: datasets[0].fields.customerId.dataset: refers to dataset 'customers', which this spec does not define (datasets: orders)"],
  ['impossible unique', () => ['run', at('unique.yaml')], () => 'synthfarm: datasets[0].fields.plan.unique: impossible: 10 records need 10 distinct values, but this choice field has only 3'],
  ['seed past 2^53-1 in the spec (would be rounded)', () => ['run', at('bigseed.yaml'), '--out', at('never')], () => 'synthfarm: seed: must be an integer from 0 to 9007199254740991 (larger seeds are rounded when read)'],
  ['count: 0 in the spec', () => ['validate', at('count0.yaml')], () => 'synthfarm: datasets[0].count: must be > 0'],
  ['count: -3 in the spec', () => ['run', at('countneg.yaml')], () => 'synthfarm: datasets[0].count: must be > 0'],
  ['environment variable not set', () => ['validate', at('env.yaml')], () => 'synthfarm: count: environment variable NOPE is not set (write ${NOPE:-default} to give a default)'],
  ['--count on a multi-dataset spec', () => ['run', at('multi.yaml'), '--count', '3', '--out', at('multi-out')], () => 'synthfarm: --count and --batch-size apply to a one-dataset spec; this spec has 2 datasets'],
  ['--out under a regular file', () => ['run', at('ok.yaml'), '--out', at('a-file/out')], (d) => `synthfarm: output directory ${join(d, 'a-file/out')} cannot be written (ENOTDIR)`],
  // Worker numbers go through the worker's option schema (its rules and defaults in one place); refused before any connection.
  ['worker --slots 0', () => ['worker', '--host', 'gpu1=http://127.0.0.1:9', '--redis', 'redis://127.0.0.1:9', '--slots', '0'], () => 'synthfarm: [worker] invalid options: slots: must be a positive integer'],
  ['worker --drain-ms soon', () => ['worker', '--host', 'gpu1=http://127.0.0.1:9', '--redis', 'redis://127.0.0.1:9', '--drain-ms', 'soon'], () => 'synthfarm: [worker] invalid options: drainTimeoutMs: must be an integer >= 0'],
  ['run --threads 1.5', () => ['run', at('ok.yaml'), '--threads', '1.5', '--out', at('never')], () => 'synthfarm: [run] invalid options: threads: must be an integer >= 0'],
  ['--out that is a regular file', () => ['run', at('ok.yaml'), '--out', at('a-file')], (d) => `synthfarm: output directory ${join(d, 'a-file')} is a file, not a directory`],
  ['report of a directory that holds no run', () => ['report', at('no-run')], (d) => `synthfarm: [report] ${join(d, 'no-run')}: no manifest.json (is it the output directory of a finished run?)`],
  ['report of a manifest that is not synthfarm\'s', () => ['report', at('other-run')], (d) => `synthfarm: [report] ${join(d, 'other-run', 'manifest.json')}: not a synthfarm manifest`],
];

describe('bad input: one short line, exit 2, no stack trace', () => {
  it.concurrent.for(cases)('%s', async ([, args, message], { expect }) => {
    const res = await synthfarm(args());
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.stderr.endsWith('\n')).toBe(true);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    const m = message(tmp.dir);
    if (typeof m === 'string') expect(res.stderr.trimEnd()).toBe(m);
    else expect(res.stderr.trimEnd()).toMatch(m);
    expect(res.stdout).toBe('');
    expect(res.code).toBe(2);
  });

  it.concurrent.for([['--count', '0'], ['--count', '-1'], ['--batch-size', '0'], ['--count', 'ten']])('%s %s on the command line', async ([opt, value], { expect }) => {
    const res = await synthfarm(['run', at('ok.yaml'), opt!, value!, '--out', at('never')]);
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.stderr).toContain(`${opt} must be a positive integer, got '${value}'`);
    expect(res.code).toBe(2);
    await expect(readdir(at('never'))).rejects.toThrow(/ENOENT/);
  });

  it.concurrent('--seed past 2^53-1 is refused, not rounded to a neighbouring seed', async ({ expect }) => {
    const res = await synthfarm(['run', at('ok.yaml'), '--seed', '9007199254740993', '--out', at('never')]);
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.stderr).toContain("--seed must be at most 9007199254740991 (2^53-1), got '9007199254740993'");
    expect(res.code).toBe(2);
    await expect(readdir(at('never'))).rejects.toThrow(/ENOENT/);
  });

  it.concurrent('a unique field that runs out of values at run time: exit 2, manifest says failed, no partial files', async ({ expect }) => {
    const out = at('exhausted-out');
    const res = await synthfarm(['run', at('exhausted.yaml'), '--out', out, '--threads', '0']);
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.stderr.trimEnd()).toMatch(/^synthfarm: datasets\[0\]\.fields\.flag\.unique: ran out of distinct values at record 2 of 'people' /);
    expect(res.code).toBe(2);
    // The manifest records the failure, with the run's report; no data file (whole or partial) is left behind.
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'report-data.json', 'report.html']);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { status: string; error?: { code: string }; report?: { path: string } };
    expect(manifest.status).toBe('failed');
    expect(manifest.error?.code).toBe('UNIQUE_EXHAUSTED');
    expect(manifest.report?.path).toBe('report.html');
    // The report draws no figures of data the run did not publish.
    expect(JSON.parse(await readFile(join(out, 'report-data.json'), 'utf8'))).toMatchObject({ datasets: [] });
  });

  it.concurrent('SYNTHFARM_DEBUG=1 adds the stack trace for a developer', async ({ expect }) => {
    const res = await synthfarm(['validate', at('count0.yaml')], { env: { SYNTHFARM_DEBUG: '1' } });
    expect(res.code).toBe(2);
    expect(stackLines(res.stderr).length).toBeGreaterThan(0);
  });
});
