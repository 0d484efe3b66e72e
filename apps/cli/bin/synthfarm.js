#!/usr/bin/env node
// Thin launcher. The CLI runs from bundle/main.cjs, built by `npm run build` (one script with a V8
// code cache, see run-bundle.js: a short run starts ~30% sooner than from the ~300 ES modules it
// is made of), unless the packages were built again since (`tsc -b` alone after an edit): then
// from that build's dist/main.js, never a stale bundle.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { profileOf, runBundle } from './run-bundle.js';

// A worker runs for days: V8's old-space growth factor is fixed (packages/core/src/heap-growth.ts)
// before the first major GC, which comes while the CLI loads. Set later, the limit that GC drew
// with a factor of up to 4 held for the next ~50 s of work (peak RSS 157 -> 197 MB at 200k records).
// A farm run's coordinator commits for as long as its run lasts, and `profile` reads a source of
// any length: the same. All before the bundle loads, also because V8 refuses a code cache made
// under other flags than its own: set after the load, each run would refuse the cache the one
// before wrote, and write it again.
const profile = profileOf(process.argv.slice(2), process.env);
if (profile === 'worker' || profile === 'profile' || profile.endsWith('-farm')) (await import('@synthfarm/core/heap-growth')).boundHeapGrowth();

const root = new URL('../../../', import.meta.url);
const bundle = new URL('../bundle/main.cjs', import.meta.url);
const builtFrom = new URL('../bundle/built-from.json', import.meta.url);

/** Each package's TypeScript build info: `${dir}/${name}` → its URL. */
function buildInfos() {
  const infos = new Map();
  for (const dir of ['packages', 'apps']) for (const name of readdirSync(new URL(`${dir}/`, root))) infos.set(`${dir}/${name}`, new URL(`${dir}/${name}/tsconfig.tsbuildinfo`, root));
  return infos;
}

/** The bundle's build stamp when it is current, else undefined. */
async function currentBundleStamp() {
  let built;
  let stamp;
  try {
    built = statSync(bundle).mtimeMs;
    stamp = JSON.parse(readFileSync(builtFrom, 'utf8'));
  } catch {
    return undefined;
  }
  const infos = buildInfos();
  // Usually no build info is newer than the bundle: done. A newer one is an edit built by tsc, or
  // a turbo cache hit that restored files with new times: their content tells which.
  const newer = [...infos].filter(([, url]) => {
    try {
      return statSync(url).mtimeMs > built;
    } catch {
      return false;
    }
  });
  if (!newer.length) return stamp;
  const { createHash } = await import('node:crypto');
  return newer.every(([key, url]) => stamp.packages?.[key] === createHash('sha1').update(readFileSync(url)).digest('hex')) ? stamp : undefined;
}

const stamp = await currentBundleStamp();
// Settles when the command has finished (main.ts `finished`).
if (stamp) await runBundle(bundle, stamp.bundle, profile);
else await (await import('../dist/main.js')).finished;

// A one-shot command's process ends as soon as the command is done: at a natural exit Node tears
// its V8 heap down page by page first (strace: a munmap per 256 KB page; 30-90 ms after a farm
// run's last output), time the user and a farm's idle slots wait for. The command has closed
// what it wrote before `finished` settles; stdout and stderr are drained first (pipes are
// asynchronous on macOS), and 'exit' handlers (the code cache) run. A long-running command
// (serve, worker, sim) ends by its own signal handling; a program importing this file (a
// benchmark) keeps its process.
const ONE_SHOT = new Set(['run', 'run-farm', 'resume-farm', 'validate', 'plan', 'profile', 'compare', 'report']);
if (ONE_SHOT.has(profile) && launchedAsProgram()) {
  const drained = (s) => new Promise((done) => (s.writableLength > 0 ? s.write('', done) : done()));
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit();
}

/** Whether node was started on this file (directly, or through npm's bin link). */
function launchedAsProgram() {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
