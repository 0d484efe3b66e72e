// Test hook: how far a process lets its old generation grow past its live heap. Preloaded with
// `NODE_OPTIONS=--require .../heap-probe.cjs` and SYNTHFARM_TEST_HEAP_FILE=PATH; on SIGUSR2 the
// main thread runs a workload that promotes a stream of short-lived objects (as a worker's model
// calls and batches do) over a live set it keeps, then writes to PATH as JSON, in MB: `peakMb`,
// the old space's largest committed size, and `liveMb`, the most that survived a full GC.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { isMainThread } = require('node:worker_threads');

const file = process.env.SYNTHFARM_TEST_HEAP_FILE;
if (file && isMainThread) {
  delete process.env.SYNTHFARM_TEST_HEAP_FILE;
  const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
  process.on('SIGUSR2', () => {
    let liveMb = 0;
    const gcs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) liveMb = Math.max(liveMb, oldSpace().space_used_size / 2 ** 20);
    });
    gcs.observe({ entryTypes: ['gc'] });
    const live = Array.from({ length: 40 }, () => Array.from({ length: 16384 }, (_, i) => ({ i })));
    let peak = 0;
    let ring = [];
    let round = 0;
    // In slices, so that the GC observer's callbacks run between them.
    const slice = () => {
      for (const end = round + 20; round < end; round++) {
        ring.push(Array.from({ length: 2000 }, (_, i) => ({ round, i, s: 'x'.repeat(64) + i })));
        if (ring.length > 40) ring = ring.slice(20);
        for (let k = 0; k < 200; k++) new Array(512).fill(k);
        peak = Math.max(peak, oldSpace().space_size);
      }
      if (round < 600) return setImmediate(slice);
      gcs.disconnect();
      fs.writeFileSync(file, JSON.stringify({ peakMb: peak / 2 ** 20, liveMb, kept: live.length }));
    };
    slice();
  });
}
