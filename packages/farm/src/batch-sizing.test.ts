import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSpecText } from '@synthfarm/spec';
import { batchesHeld, batchesToHold, callsPerBatch, farmWindow, initialBatchesHeld, windowFor, type WorkerBeat } from './batch-sizing.js';
import { farmKeys } from './keys.js';

const beat = (i: number, slots: number, models = ['gemma3:4b']): WorkerBeat => ({ host: `gpu${i}`, models, slots, seenAt: new Date().toISOString() });

describe('batch sizing (issue 8 item 7: 64 hosts × 8 slots behind one coordinator)', () => {
  it('counts the model calls a batch makes from its size and records per call, with the spec defaults', () => {
    expect(callsPerBatch({ batchSize: 100, recordsPerCall: 25 })).toBe(4);
    expect(callsPerBatch({ batchSize: 101, recordsPerCall: 25 })).toBe(5);
    expect(callsPerBatch({})).toBe(10); // 250 records, 25 per call
    expect(callsPerBatch({ batchSize: 10 })).toBe(1);
  });

  it('a worker holds what its slots run plus one batch, not one batch per slot', () => {
    expect(batchesHeld(8, 4)).toBe(3); // 12 calls for 8 slots
    expect(batchesHeld(4, 4)).toBe(2);
    expect(batchesHeld(8, 1)).toBe(9);
    expect(initialBatchesHeld(8)).toBe(8);
  });

  it('a ready batch is held only while more batches wait than there are workers to take them', () => {
    expect(batchesToHold(8, 4, 500, 64)).toBe(3); // mid-run: 8 slots full, one batch ready
    expect(batchesToHold(8, 4, 64, 64)).toBe(2); // the run's end: only what the slots start now
    expect(batchesToHold(8, 4, 0, 64)).toBe(2);
    expect(batchesToHold(4, 4, 10, 4)).toBe(2);
    expect(batchesToHold(4, 4, 4, 4)).toBe(1);
    expect(batchesToHold(8, 1, 100, 2)).toBe(9);
  });

  it('the window keeps every slot of a 64 × 8 farm busy: 512 slots need ≥ 128 four-call batches in flight', () => {
    const farm = Array.from({ length: 64 }, (_, i) => beat(i, 8));
    const w = windowFor(farm, 'gemma3:4b', 4, 32);
    expect(w * 4).toBeGreaterThanOrEqual(2 * 512);
    expect(w).toBe(2 * 64 * 3);
  });

  it('counts only workers serving the model (a bare name is :latest) and never goes below the minimum', () => {
    const farm = [beat(1, 8), beat(2, 8, ['llama3.2:3b']), beat(3, 8, ['qwen2.5:7b'])];
    expect(windowFor(farm, 'gemma3:4b', 1, 0)).toBe(2 * 9);
    expect(windowFor([beat(1, 8, ['mistral:latest'])], 'mistral', 4, 0)).toBe(6);
    expect(windowFor([], 'gemma3:4b', 4, 32)).toBe(32);
    expect(windowFor([beat(1, 4)], 'gemma3:4b', 4, 32)).toBe(32);
    // Code-only and remote-API batches (no local model): every worker takes them.
    expect(windowFor(farm, undefined, 4, 0)).toBe(2 * 3 * 3);
  });

  afterEach(() => vi.useRealTimers());

  it("the coordinator's window follows workers joining, re-reading heartbeats at most every 2 s", async () => {
    vi.useFakeTimers();
    const spec = parseSpecText(
      'version: 1\ndatasets:\n  - name: notes\n    count: 1000\n    batchSize: 100\n    fields:\n      text: { kind: llm, prompt: "a note" }\n' +
        '  - name: tags\n    count: 10\n    fields:\n      id: { kind: sequence }\nstages:\n  generate: { backend: fast }\n' +
        'backends:\n  fast: { provider: ollama, model: "gemma3:4b", hosts: ["http://127.0.0.1:9"], slots: 4 }\noutput: { formats: [csv], dir: out }\n',
      'spec.yaml',
      { env: {} },
    ).spec;
    let beats: WorkerBeat[] = [];
    let reads = 0;
    const redis = { hgetall: async () => (reads++, Object.fromEntries(beats.map((b) => [b.host, JSON.stringify({ ...b, seenAt: new Date().toISOString() })]))) };
    const window = farmWindow(redis, farmKeys(), spec, 8);
    expect(await window(0)).toBe(8); // no workers yet: the least window
    beats = Array.from({ length: 64 }, (_, i) => beat(i, 8));
    expect(await window(0)).toBe(8); // within 2 s: the last size, Redis not asked
    expect(reads).toBe(1);
    vi.advanceTimersByTime(2001);
    expect(await window(0)).toBe(2 * 64 * 3); // 4 calls per batch: 3 held per 8-slot worker
    expect(await window(1)).toBe(2 * 64 * 2); // another dataset (any worker, 250-record batches): read at once
    expect(reads).toBe(3);
  });
});
