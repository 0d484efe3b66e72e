#!/usr/bin/env node
// Thin launcher. The CLI runs from bundle/main.js, built by `npm run build` (it starts in about
// half the time of the ~300 modules it is made of), unless a TypeScript build is newer than the
// bundle (`tsc -b` alone after a change): then from that build's dist/main.js, never a stale bundle.
import { readdirSync, statSync } from 'node:fs';

const root = new URL('../../../', import.meta.url);
const RESTORE_SLACK_MS = 2000;
const mtime = (url) => {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return undefined;
  }
};

function bundleIsCurrent() {
  const bundle = mtime(new URL('../bundle/main.js', import.meta.url));
  if (bundle === undefined) return false;
  for (const dir of ['packages/', 'apps/']) {
    for (const name of readdirSync(new URL(dir, root))) {
      const built = mtime(new URL(`${dir}${name}/tsconfig.tsbuildinfo`, root));
      // A turbo cache hit restores a task's outputs in no set order, within moments of each
      // other: only a build seconds after the bundle (an edit, then `tsc -b`) makes it stale.
      if (built !== undefined && built > bundle + RESTORE_SLACK_MS) return false;
    }
  }
  return true;
}

await import(bundleIsCurrent() ? '../bundle/main.js' : '../dist/main.js');
