/**
 * Bad worker and coordinator options fail at once with a message naming the option and the rule
 * (piscina's option-validation tests): exact messages, table-driven.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '@synthfarm/core';
import { runCoordinator, type CoordinatorOptions } from './coordinator.js';
import { createFarmWorker, type FarmWorkerOptions } from './farm-worker.js';

const host = { name: 'gpu1', url: 'http://127.0.0.1:9' };
const worker = (o: Partial<FarmWorkerOptions>): FarmWorkerOptions => ({ redisUrl: 'redis://127.0.0.1:9', host, ...o });

// Never touched: options are refused before the farm is.
const farm = { redis: {}, url: 'redis://127.0.0.1:9', keys: {}, store: {}, results: {} } as unknown as CoordinatorOptions['farm'];
const coordinator = (o: Partial<CoordinatorOptions>): CoordinatorOptions => ({ farm, runId: 'r1', ...o });

async function refusal(p: Promise<unknown>): Promise<UsageError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).exitCode).toBe(2);
  return err as UsageError;
}

describe('farm worker options', () => {
  it.each([
    [{ slots: 0 }, '[worker] invalid options: slots: must be a positive integer'],
    [{ slots: 2.5 }, '[worker] invalid options: slots: must be a positive integer'],
    [{ slots: Number('four') }, '[worker] invalid options: slots: must be a positive integer'],
    [{ drainTimeoutMs: -1 }, '[worker] invalid options: drainTimeoutMs: must be an integer >= 0'],
    [{ lockDurationMs: 0 }, '[worker] invalid options: lockDurationMs: must be a positive integer'],
    [{ cooldownMs: 1.5 }, '[worker] invalid options: cooldownMs: must be an integer >= 0'],
    [{ threads: -2 }, '[worker] invalid options: threads: must be an integer >= 0'],
    [{ prefix: '' }, '[worker] invalid options: prefix: must not be empty'],
    [{ host: { name: 'gpu 1', url: 'http://x' } }, '[worker] invalid options: host.name: must be letters, digits, ., _ and -'],
    [{ slots: 0, threads: -1 }, '[worker] invalid options: slots: must be a positive integer; threads: must be an integer >= 0'],
  ] as Array<[Partial<FarmWorkerOptions>, string]>)('%j → %s', async (bad, message) => {
    expect((await refusal(createFarmWorker(worker(bad)))).message).toBe(message);
  });
});

describe('coordinator options', () => {
  it.each([
    [{ window: 0 }, '[coordinator] invalid options: window: must be a positive integer'],
    [{ window: 1.5 }, '[coordinator] invalid options: window: must be a positive integer'],
    [{ threads: -1 }, '[coordinator] invalid options: threads: must be an integer >= 0'],
    [{ runId: '' }, '[coordinator] invalid options: runId: must name a submitted run'],
    [{ farm: {} as CoordinatorOptions['farm'] }, '[coordinator] invalid options: farm: must be a FarmConnection (connectFarm(url))'],
  ] as Array<[Partial<CoordinatorOptions>, string]>)('%j → %s', async (bad, message) => {
    expect((await refusal(runCoordinator(coordinator(bad)))).message).toBe(message);
  });
});
