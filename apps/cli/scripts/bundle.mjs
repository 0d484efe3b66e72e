// Bundles the CLI (dist/main.js and everything it imports) into bundle/, one file per entry and
// dynamic import (esbuild, code splitting). Why: Node 20 loads ~300 ES modules one file at a time
// (resolve, read, compile) before a farm run hands out its first batch; as one bundle the same
// start costs about half (bench:farm's idle slots before the first call). Worker threads (code
// stages, the spec check) keep loading the packages' dist/ files: they start in parallel.
//
// `import.meta.url` of each bundled file is rewritten to that file's own URL, relative to the
// bundle, so `new URL('./batch-worker.js', import.meta.url)` still finds the file beside it, and
// the tree stays relocatable. Packages that locate files of their own at run time stay external.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const CLI = fileURLToPath(new URL('..', import.meta.url));
const OUT = `${CLI}bundle`;
const OWN = /[\\/](packages|apps)[\\/][^\\/]+[\\/]dist[\\/].*\.js$/;

const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: OWN }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      if (!src.includes('import.meta.url')) return undefined;
      const rel = relative(OUT, args.path).split('\\').join('/');
      return { contents: src.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

await rm(OUT, { recursive: true, force: true });
await build({
  entryPoints: { main: `${CLI}dist/main.js` },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // Whitespace and syntax only: 7.4 → 5.1 MB for V8 to read and pre-parse before a farm run's
  // first call (~20-40 ms of ~0.6 s here); names stay, so a profile or a crash still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  target: 'node20',
  // piscina finds its worker file beside itself; undici is CommonJS loaded by import() (a chunk
  // of its own would export only `default`); the rest are optional native add-ons.
  external: ['piscina', 'undici', 'pg-native', 'msgpackr-extract', 'playwright-core'],
  plugins: [ownImportMetaUrl],
  // CommonJS dependencies bundled into ES modules still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __synthfarmRequire } from 'node:module'; const require = __synthfarmRequire(import.meta.url);" },
  logLevel: 'warning',
});

// What the bundle was built from: each package's TypeScript build info, by content (bin/synthfarm.js
// compares it when a build info is newer than the bundle: a turbo cache hit restores files with
// new times and the same content, an edit and `tsc -b` changes the content).
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const stamp = {};
for (const dir of ['packages', 'apps']) {
  for (const name of (await readdir(`${ROOT}${dir}`)).sort()) {
    const info = await readFile(`${ROOT}${dir}/${name}/tsconfig.tsbuildinfo`).catch(() => undefined);
    if (info) stamp[`${dir}/${name}`] = createHash('sha1').update(info).digest('hex');
  }
}
await writeFile(`${OUT}/built-from.json`, JSON.stringify(stamp, null, 1) + '\n');
