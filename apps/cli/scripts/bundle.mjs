// Bundles the CLI (dist/main.js and everything it imports) into bundle/main.cjs, one CommonJS
// script (esbuild). Why: Node 20 loads ~300 ES modules one file at a time (resolve, read, compile)
// before a farm run hands out its first batch, and has no compile cache for ES modules; one script
// runs through vm.Script with a V8 code cache (bin/run-bundle.js), so a start deserializes what an
// earlier one compiled. What a command imports lazily stays lazy: esbuild wraps each module in an
// init function that runs on first import. Worker threads (code stages, the spec check) keep
// loading the packages' dist/ files: they start in parallel.
//
// `import.meta.url` of each bundled file is rewritten to that file's own URL, relative to the
// bundle, so `new URL('./batch-worker.js', import.meta.url)` still finds the file beside it, and
// the tree stays relocatable. Packages that locate files of their own at run time stay external.
//
// Last, one small offline run through the launcher writes the code cache of `run`, so a fresh
// clone's first run starts warm (other commands write theirs on first use).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const CLI = fileURLToPath(new URL('..', import.meta.url));
const OUT = `${CLI}bundle`;
const OWN = /[\\/](packages|apps)[\\/][^\\/]+[\\/]dist[\\/].*\.js$/;

// import() of a computed name (faker's locales: ES modules only, so no require()) calls the
// launcher's import function instead: V8 loses a script's dynamic-import host options when the
// script comes from a code cache (Node 20), and the call would throw.
const COMPUTED_IMPORT = /\bimport\((?=`[^`]*\$\{)/;

const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: OWN }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      if (!src.includes('import.meta.url') && !COMPUTED_IMPORT.test(src)) return undefined;
      const rel = relative(OUT, args.path).split('\\').join('/');
      const contents = src
        .replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, __synthfarmBundleUrl).href`)
        .replace(new RegExp(COMPUTED_IMPORT, 'g'), '__synthfarmImport(');
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// msgpackr's optional native add-on speeds up unpacking only; BullMQ, its one user here, only packs
// (job options for its Lua scripts). Loading it cost every farm process ~30-60 ms at start (the
// add-on, node-gyp-build and detect-libc, seen in strace): the bundle gets an empty module
// instead, which msgpackr treats as the add-on being absent.
const noMsgpackrExtract = {
  name: 'no-msgpackr-extract',
  setup(b) {
    b.onResolve({ filter: /^msgpackr-extract$/ }, () => ({ path: 'msgpackr-extract', namespace: 'absent' }));
    b.onLoad({ filter: /.*/, namespace: 'absent' }, () => ({ contents: 'module.exports = undefined;', loader: 'js' }));
  },
};

await rm(OUT, { recursive: true, force: true });
await build({
  entryPoints: { main: `${CLI}dist/main.js` },
  outdir: OUT,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  // Whitespace and syntax only: 7.4 → 5.1 MB for V8 to read and pre-parse before a farm run's
  // first call (~20-40 ms of ~0.6 s here); names stay, so a profile or a crash still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  // License comments go to main.cjs.LEGAL.txt: the script stays ASCII (bin/run-bundle.js reads it as Latin-1).
  legalComments: 'external',
  target: 'node20',
  // Every other import() becomes require(): the bundled modules' lazy init, and CommonJS externals.
  supported: { 'dynamic-import': false },
  // piscina finds its worker file beside itself; undici and playwright-core are CommonJS, loaded
  // when first used; pg-native is an optional native add-on.
  external: ['piscina', 'undici', 'pg-native', 'playwright-core'],
  plugins: [ownImportMetaUrl, noMsgpackrExtract],
  // The script is one function expression, of Module.wrap's parameters and the import() the
  // bundle calls for a computed name; bin/run-bundle.js compiles the file's text as it is (no
  // wrapped copy of 5 MB) and calls it. Strict, as the ES modules it is made of (esbuild's own
  // 'use strict' comes after the banner, where it is no directive). Then the bundle's own URL,
  // for import.meta.url above.
  banner: { js: "(function (exports, require, module, __filename, __dirname, __synthfarmImport) {'use strict';const __synthfarmBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  footer: { js: '\n})' },
  logLevel: 'warning',
});

// What the bundle was built from: each package's TypeScript build info, by content (bin/synthfarm.js
// compares it when a build info is newer than the bundle: a turbo cache hit restores files with
// new times and the same content, an edit and `tsc -b` changes the content).
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const packages = {};
for (const dir of ['packages', 'apps']) {
  for (const name of (await readdir(`${ROOT}${dir}`)).sort()) {
    const info = await readFile(`${ROOT}${dir}/${name}/tsconfig.tsbuildinfo`).catch(() => undefined);
    if (info) packages[`${dir}/${name}`] = createHash('sha1').update(info).digest('hex');
  }
}
// bin/run-bundle.js reads the script as Latin-1 (a copy, where UTF-8 is a decode): it must be ASCII.
const script = await readFile(`${OUT}/main.cjs`);
const nonAscii = script.findIndex((b) => b > 0x7f);
if (nonAscii >= 0) throw new Error(`bundle/main.cjs is not ASCII at byte ${nonAscii}: ${JSON.stringify(script.subarray(Math.max(0, nonAscii - 60), nonAscii + 20).toString())} (write the character as an escape in its source)`);
// `bundle`: the script's content, which names its code caches (V8 itself checks only a source's length).
const bundleHash = createHash('sha1').update(script).digest('hex');
await writeFile(`${OUT}/built-from.json`, JSON.stringify({ bundle: bundleHash, packages }, null, 1) + '\n');

const warm = await mkdtemp(join(tmpdir(), 'synthfarm-warm-'));
try {
  await writeFile(join(warm, 'warm.yaml'), 'version: 1\nseed: 1\ndatasets:\n  - name: warm\n    count: 50\n    fields:\n      id: { kind: sequence }\n      name: { kind: faker, method: person.fullName }\n');
  const r = spawnSync(process.execPath, [`${CLI}bin/synthfarm.js`, 'run', join(warm, 'warm.yaml'), '--out', join(warm, 'out'), '--offline'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the warm-up run of the bundle failed (exit ${r.status}): ${r.stderr}`);
} finally {
  await rm(warm, { recursive: true, force: true });
}
