import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Timeline } from './event-timeline.js';
import { buildPageModel } from './page-model.js';
import type { ReportData } from './report-data.js';

/**
 * The scripts and styles the page inlines, read once per process as text. Observable Plot and
 * d3 are never loaded into the run's process (it would cost ~170 ms and ~75 MB, DESIGN §10):
 * their prebuilt browser bundles are copied into the page as they are.
 */
let assets: { d3: string; plot: string; page: string; css: string; plotVersion: string } | undefined;

function loadAssets(): NonNullable<typeof assets> {
  if (assets) return assets;
  const require = createRequire(import.meta.url);
  // Both packages export only their entry points: their dist/ bundles sit beside src/index.js.
  const pkgDir = (name: string) => dirname(dirname(require.resolve(name)));
  const here = dirname(fileURLToPath(import.meta.url));
  const plotDir = pkgDir('@observablehq/plot');
  assets = {
    d3: readFileSync(join(pkgDir('d3'), 'dist', 'd3.min.js'), 'utf8'),
    plot: readFileSync(join(plotDir, 'dist', 'plot.umd.min.js'), 'utf8'),
    page: readFileSync(join(here, '..', 'assets', 'report-page.js'), 'utf8'),
    css: readFileSync(join(here, '..', 'assets', 'report.css'), 'utf8'),
    plotVersion: (JSON.parse(readFileSync(join(plotDir, 'package.json'), 'utf8')) as { version: string }).version,
  };
  return assets;
}

/** Text safe inside a <script> element: no `</script>`, no `<!--`. */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What a report is drawn from: the manifest, what the run gathered, and its events folded. */
export interface ReportInput {
  manifest: Record<string, unknown>;
  /** report-data.json; undefined for a run that has none (the page then has no column plots). */
  data: ReportData | undefined;
  timeline: Timeline;
}

/**
 * report.html: one self-contained file (DESIGN §10). The page model is inlined as JSON and drawn
 * in the browser; nothing is fetched, and a Content-Security-Policy forbids the page any request.
 */
export function renderReport(input: ReportInput): string {
  const a = loadAssets();
  const model = buildPageModel(input.manifest as Record<string, any>, input.data, input.timeline);
  const json = JSON.stringify(model).replace(/</g, '\\u003c');
  const title = `synthfarm report · ${String(input.manifest.runId ?? '')} · ${String(input.manifest.status ?? '')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>${escapeHtml(title)}</title>
<style>${a.css}</style>
</head>
<body>
<main id="report"><noscript>This report draws its charts with JavaScript; the figures are in manifest.json and report-data.json beside it.</noscript></main>
<footer style="text-align:center;color:#5f6368;font-size:12px;margin:24px">synthfarm · charts drawn by Observable Plot ${escapeHtml(a.plotVersion)}, inlined: this page makes no request</footer>
<script id="report-model" type="application/json">${json}</script>
<script>${scriptText(a.d3)}</script>
<script>${scriptText(a.plot)}</script>
<script>${scriptText(a.page)}</script>
</body>
</html>
`;
}
