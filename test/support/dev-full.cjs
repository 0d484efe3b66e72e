// Test hook: a full disk at exactly one file, through the real write path. Opens of a path that
// matches the pattern open /dev/full instead, whose every write fails with ENOSPC. Preloaded into
// a CLI child with `NODE_OPTIONS=--require .../dev-full.cjs` and SYNTHFARM_TEST_DEV_FULL=REGEX,
// or installed in-process with install(REGEX). It patches fs.open, which write streams call.
'use strict';
const fs = require('node:fs');

function install(pattern) {
  const re = new RegExp(pattern);
  const open = fs.open;
  fs.open = function (path, ...rest) {
    if (re.test(String(path))) return open.call(fs, '/dev/full', 'w', rest[rest.length - 1]);
    return open.call(fs, path, ...rest);
  };
  return () => {
    fs.open = open;
  };
}

if (process.env.SYNTHFARM_TEST_DEV_FULL) install(process.env.SYNTHFARM_TEST_DEV_FULL);
module.exports = { install };
