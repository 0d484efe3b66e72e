/** Bad run options fail before anything is written, naming the option and the rule (exact messages). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '@synthfarm/core';
import { validateSpec } from '@synthfarm/spec';
import { createRun, type CreateRunOptions } from './create-run.js';
import { runEmbedded } from './run-embedded.js';

const loaded = validateSpec({ seed: 1, datasets: [{ name: 't', count: 10, fields: { n: { kind: 'sequence' } } }], output: { dir: '/nonexistent/never-written' } }, 't.yaml', 'h', { env: {} });

describe('run options', () => {
  it.each([
    [{ threads: -1 }, '[run] invalid options: threads: must be an integer >= 0'],
    [{ threads: 1.5 }, '[run] invalid options: threads: must be an integer >= 0'],
    [{ window: 0 }, '[run] invalid options: window: must be a positive integer'],
    [{ maxRejects: -5 }, '[run] invalid options: maxRejects: must be an integer >= 0'],
    [{ runId: '../x' }, '[run] invalid options: runId: must be letters, digits, _ and - (at most 128), starting with a letter or digit'],
    [{ mode: 'cluster' }, "[run] invalid options: mode: must be 'embedded' or 'farm'"],
  ] as Array<[Partial<CreateRunOptions>, string]>)('%j → %s', async (bad, message) => {
    let err: unknown;
    try {
      createRun(loaded, bad as CreateRunOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(message);
  });

  it('runEmbedded refuses them too, before writing anything (exit 2)', async () => {
    const err = await runEmbedded({ loaded, threads: -1 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
  });
});
