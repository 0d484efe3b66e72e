// Copies the scripts report.html inlines (d3 and Observable Plot's browser bundles, and Plot's
// package.json for its version) into dist/vendor/, where render-report reads them by a fixed path:
// resolving the two packages through node_modules cost every run ~5 ms of its main thread.
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// Both packages export only their entry points: their dist/ bundles sit beside src/index.js.
const pkgDir = (name) => dirname(dirname(require.resolve(name)));
const out = fileURLToPath(new URL('../dist/vendor/', import.meta.url));
await mkdir(out, { recursive: true });
const plot = pkgDir('@observablehq/plot');
await Promise.all([
  copyFile(join(pkgDir('d3'), 'dist', 'd3.min.js'), join(out, 'd3.min.js')),
  copyFile(join(plot, 'dist', 'plot.umd.min.js'), join(out, 'plot.umd.min.js')),
  copyFile(join(plot, 'package.json'), join(out, 'plot-package.json')),
]);
