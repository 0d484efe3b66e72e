// Runs the CLI bundle (bundle/main.cjs, one CommonJS file) with a V8 code cache beside it.
//
// Why: Node 20 has no compile cache for ES modules (module.enableCompileCache is Node 22), and
// before a run hands out its first batch it spends ~100 ms of its start compiling the bundle's
// modules and ~30 ms resolving and linking them. One script run through vm.Script takes a code
// cache: V8 deserializes the functions a previous process compiled instead of parsing them again.
//
// The cache is written once per bundle, Node, flags and command (a `run` compiles other functions
// than a `worker`), two seconds in or at exit, whichever is first, by the first process that found
// none (or found one V8 refused: a new Node, other V8 flags, a damaged file), to a temporary file
// renamed into place, so processes starting
// together never read half a file. It lives beside the bundle, never in a shared temporary
// directory: whoever can write it could as well write the bundle. Where the bundle's directory is
// read-only, nothing is cached and the CLI starts as it would without.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/**
 * What decides which functions a process compiles: the command, and whether it coordinates a farm
 * run (`run` with --redis or SYNTHFARM_REDIS_URL, as the CLI decides farm mode; `resume`).
 */
export function profileOf(argv, env) {
  const command = /^[a-z]+$/.test(argv[0] ?? '') ? argv[0] : '';
  const farm = command === 'resume' || (command === 'run' && (argv.includes('--redis') || argv.some((a) => a.startsWith('--redis=')) || !!env.SYNTHFARM_REDIS_URL));
  return farm ? `${command}-farm` : command;
}

/** Caches kept per bundle directory: each command and flag set has one, and a new Node or bundle makes new ones. */
const KEEP_CACHES = 24;

/** Makes room for one more cache: the least recently written go first. */
function pruneCaches(dir) {
  const files = readdirSync(dir).map((name) => {
    const path = `${dir}/${name}`;
    try {
      return { path, mtime: statSync(path).mtimeMs };
    } catch {
      return undefined;
    }
  }).filter((f) => f !== undefined).sort((a, b) => a.mtime - b.mtime);
  for (const f of files.slice(0, Math.max(0, files.length - (KEEP_CACHES - 1)))) {
    try {
      unlinkSync(f.path);
    } catch {
      // Another process removed it first.
    }
  }
}

/**
 * Runs `bundleUrl` (a CommonJS file) in this context as a module of its own, with the code cache
 * of its `stamp` (the bundle's content hash, from built-from.json) and `profile` ({@link profileOf}:
 * the launcher's, which also set this process's flags) when one is usable.
 * @returns the bundle's `finished`: settles when the command has finished.
 */
export function runBundle(bundleUrl, stamp, profile, env = process.env) {
  const file = fileURLToPath(bundleUrl);
  const dir = dirname(file);
  const key = createHash('sha1')
    .update([stamp, process.version, process.arch, process.execArgv.join(' '), env.NODE_OPTIONS ?? '', profile].join('\0'))
    .digest('hex')
    .slice(0, 16);
  const cacheDir = `${dir}/code-cache`;
  const cacheFile = `${cacheDir}/${key}.bin`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The build checks the script is ASCII: read as Latin-1 it is one copy; as UTF-8 a decode (~10-20
  // ms of the start for 5 MB). The script is a function expression (scripts/bundle.mjs), compiled
  // as it is: its text is the only copy kept.
  const script = new vm.Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      try {
        mkdirSync(cacheDir, { recursive: true });
        pruneCaches(cacheDir);
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // A read-only install: the CLI starts without a cache, as before.
      }
    };
    // At exit, or two seconds in: V8 drops the bytecode of functions unused for a while, and the
    // start's functions are the ones worth caching.
    setTimeout(write, 2000).unref();
    process.once('exit', write);
  }
  const mod = new Module(file, undefined);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dir);
  // Module.wrap's parameters, and the import() the bundle calls for a computed name (faker's
  // locales): from this file, which resolves packages from the same node_modules as the bundle.
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dir, (specifier) => import(specifier));
  return mod.exports.finished;
}
