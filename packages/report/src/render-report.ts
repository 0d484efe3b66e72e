import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Timeline } from './event-timeline.js';
import type { ReportData } from './report-data.js';

/**
 * The page's parts that are the same in every report, as bytes, read once per process:
 * Observable Plot and d3 are never loaded into the run's process (it would cost ~170 ms and
 * ~75 MB, DESIGN §10): their prebuilt browser bundles are copied into the page as they are, and
 * as bytes they are neither decoded nor encoded again on their way to the file.
 */
let parts: { head: Buffer; middle: Buffer; tail: Buffer[] } | undefined;

/**
 * The files the static parts are made of, by what they are. The vendored scripts are the copies
 * the build puts in dist/vendor/ (scripts/vendor-assets.mjs), and so is the page model's browser
 * bundle (scripts/page-model-script.mjs), read by a fixed path from dist/ and from the sources
 * (tests run after the build).
 */
function assetPaths() {
  const here = dirname(fileURLToPath(import.meta.url));
  const vendor = join(here, '..', 'dist', 'vendor');
  return {
    plotPackage: join(vendor, 'plot-package.json'),
    css: join(here, '..', 'assets', 'report.css'),
    d3: join(vendor, 'd3.min.js'),
    plot: join(vendor, 'plot.umd.min.js'),
    model: join(vendor, 'page-model.js'),
    page: join(here, '..', 'assets', 'report-page.js'),
  };
}
type Assets = Record<keyof ReturnType<typeof assetPaths>, Buffer>;

/**
 * Reads the page's static parts ahead of {@link renderReport}, without blocking: a run starts
 * this as it starts, so the ~0.5 MB is read while it generates, not after its last batch.
 */
export async function loadReportAssets(): Promise<void> {
  if (parts) return;
  const paths = assetPaths();
  const read = await Promise.all(Object.entries(paths).map(async ([k, p]) => [k, await readFile(p)] as const));
  parts ??= staticPartsOf(Object.fromEntries(read) as Assets);
}

function staticParts(): NonNullable<typeof parts> {
  if (parts) return parts;
  const paths = assetPaths();
  parts = staticPartsOf(Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, readFileSync(p)])) as Assets);
  return parts;
}

function staticPartsOf(a: Assets): NonNullable<typeof parts> {
  const plotVersion = (JSON.parse(a.plotPackage.toString('utf8')) as { version: string }).version;
  const css = a.css.toString('utf8');
  const script = (b: Buffer) => [Buffer.from('<script>'), scriptBytes(b), Buffer.from('</script>\n')];
  return {
    head: Buffer.from(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>`),
    middle: Buffer.from(`</title>
<style>${css}</style>
</head>
<body>
<main id="report"><noscript>This report draws its charts with JavaScript; the figures are in manifest.json and report-data.json beside it.</noscript></main>
<footer style="text-align:center;color:#5f6368;font-size:12px;margin:24px">synthfarm · charts drawn by Observable Plot ${escapeHtml(plotVersion)}, inlined: this page makes no request</footer>
<script id="report-input" type="application/json">`),
    // Kept as the files' own buffers, written one after another: concatenated they were a
    // second half-megabyte copy held by the run's process.
    tail: [
      Buffer.from('</script>\n'),
      ...script(a.d3),
      ...script(a.plot),
      ...script(a.model),
      ...script(a.page),
      Buffer.from('</body>\n</html>\n'),
    ],
  };
}

/** Text safe inside a <script> element: no `</script>`, no `<!--`. */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/**
 * {@link scriptText} of UTF-8 bytes, the bytes themselves when nothing needs escaping (the
 * bundles have neither): found by the buffer's own search, without decoding 0.5 MB to text.
 */
export function scriptBytes(b: Buffer): Buffer {
  let risky = b.indexOf('<!--') >= 0;
  for (let i = b.indexOf('</'); !risky && i >= 0; i = b.indexOf('</', i + 2)) risky = b.toString('latin1', i + 2, i + 8).toLowerCase() === 'script';
  return risky ? Buffer.from(scriptText(b.toString('utf8'))) : b;
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
 * report.html: one self-contained file (DESIGN §10). What the report is drawn from (the manifest,
 * the report data, the folded events) is inlined as JSON; the page builds its model from it with
 * the page model's own code (page-model.ts, bundled into the page) and draws it in the browser.
 * Nothing is fetched, and a Content-Security-Policy forbids the page any request. Returned in
 * parts to be written in order: the static ones (~0.5 MB of scripts) as bytes.
 */
export function renderReport(input: ReportInput): Array<string | Buffer> {
  const p = staticParts();
  const json = JSON.stringify({ manifest: input.manifest, data: input.data ?? null, timeline: input.timeline }).replace(/</g, '\\u003c');
  const title = `synthfarm report · ${String(input.manifest.runId ?? '')} · ${String(input.manifest.status ?? '')}`;
  return [p.head, escapeHtml(title), p.middle, json, ...p.tail];
}
