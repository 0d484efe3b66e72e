// Test hook: a child's own CPU time, which (unlike the wall time a parent sees) does not grow
// when the machine is loaded. Preloaded with `NODE_OPTIONS=--require .../cpu-report.cjs` and
// SYNTHFARM_TEST_CPU_FILE=PATH; when the main thread exits (short of a signal) it writes
// process.cpuUsage() ({ user, system } in microseconds, all threads) to PATH as JSON.
'use strict';
const fs = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const file = process.env.SYNTHFARM_TEST_CPU_FILE;
if (file && isMainThread) {
  // Processes this one starts report nothing over it.
  delete process.env.SYNTHFARM_TEST_CPU_FILE;
  process.on('exit', () => {
    fs.writeFileSync(file, JSON.stringify(process.cpuUsage()));
  });
}
