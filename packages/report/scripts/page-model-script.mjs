// Bundles the page model (src/page-model.ts, as tsc built it into dist/) into one browser script,
// dist/vendor/page-model.js, that report.html inlines: the page computes its model from the run's
// figures (manifest, report data, folded events) in the browser, so a run does not spend its main
// thread on it (~13 ms of cold code at a run's end, timed inside the loadtest run). The bundle is
// the module the tests import in Node: one implementation (render-report.test.ts holds the two to
// the same model). esbuild, because it bundles and minifies ES modules in one call with no
// configuration; vitest's toolchain already had it.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

await build({
  entryPoints: [fileURLToPath(new URL('../dist/page-model.js', import.meta.url))],
  outfile: fileURLToPath(new URL('../dist/vendor/page-model.js', import.meta.url)),
  bundle: true,
  format: 'iife',
  globalName: 'SynthfarmPageModel',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
