import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { FarmService, RunSummary } from '@synthfarm/farm';
import { html, sendPage, type Html } from './html.js';
import { REPORT_FILE } from './routes-files.js';
import { listRunFiles, readRunText, type RunDir } from './run-files.js';
import { formatBytes, formatCost, formatCount, formatDuration, formatPercent, formatRate, formatUtc, isActive } from './run-format.js';

/** Runs the list page shows, newest first. */
export const RUNS_PAGE_LIMIT = 100;

/** Largest manifest the run page prints in full, in bytes; a larger one is only linked. */
export const MANIFEST_SHOWN_BYTES = 512 * 1024;

const runPath = (id: string): string => `/run/${encodeURIComponent(id)}`;
const filePath = (id: string, name: string): string => `/runs/${encodeURIComponent(id)}/files/${encodeURIComponent(name)}`;

function nav(signOut: boolean, uiBasePath: string): Html {
  return html`<nav><a href="/">Runs</a><a href="${uiBasePath}">Queues</a>${signOut ? html`<form method="post" action="/signout"><button type="submit" class="link">Sign out</button></form>` : ''}</nav>`;
}

function state(run: RunSummary): Html {
  return html`<span class="state state-${run.state}" data-f="state">${run.state.replace('_', ' ')}</span>`;
}

function time(iso: string): Html {
  return html`<time datetime="${iso}">${formatUtc(iso)}</time>`;
}

function runRow(run: RunSummary): Html {
  return html`<tr data-run="${run.runId}" data-state="${run.state}">
<td class="run"><a href="${runPath(run.runId)}">${run.runId}</a><span class="muted">${basename(run.outDir)}${run.schedule ? ` \u00b7 schedule ${run.schedule}` : ''}</span></td>
<td>${state(run)}</td>
<td class="progress"><progress max="${Math.max(1, run.total)}" value="${run.done}" data-f="bar"></progress><span data-f="progress">${formatCount(run.done)} / ${formatCount(run.total)} \u00b7 ${formatPercent(run.done, run.total)}</span></td>
<td class="num" data-f="written">${formatCount(run.written)}</td>
<td class="num" data-f="rejected">${formatCount(run.rejected)}</td>
<td class="num" data-f="rate">${formatRate(run.recordsPerSec)}</td>
<td class="num" data-f="cost">${formatCost(run.costUsd)}</td>
<td>${time(run.createdAt)}</td>
</tr>`;
}

function runsTable(runs: RunSummary[]): Html {
  if (!runs.length) {
    return html`<p class="empty">No runs yet. Start one with <code>synthfarm run SPEC --redis URL</code> or <code>POST /runs</code>.</p>`;
  }
  return html`<table class="runs">
<thead><tr><th>Run</th><th>State</th><th>Progress</th><th class="num">Written</th><th class="num">Rejected</th><th class="num">Rate</th><th class="num">Cost</th><th>Started</th></tr></thead>
<tbody>
${runs.map(runRow)}
</tbody>
</table>`;
}

function figures(run: RunSummary): Html {
  const item = (label: string, f: string, value: string, wide = false): Html => html`<div${wide ? html` class="wide"` : ''}><dt>${label}</dt><dd data-f="${f}">${value}</dd></div>`;
  return html`<dl class="figures">
${item('Done', 'progress', `${formatCount(run.done)} / ${formatCount(run.total)} \u00b7 ${formatPercent(run.done, run.total)}`, true)}
${item('Written', 'written', formatCount(run.written))}
${item('Rejected', 'rejected', formatCount(run.rejected))}
${item('Rate', 'rate', formatRate(run.recordsPerSec))}
${item('Tokens', 'tokens', run.tokensPerSec === undefined ? '—' : `${formatCount(run.tokensPerSec)} tok/s`)}
${item('ETA', 'eta', formatDuration(run.etaSeconds))}
${item('Cost', 'cost', formatCost(run.costUsd))}
<div class="wide"><dt>Started</dt><dd>${time(run.createdAt)}</dd></div>
</dl>`;
}

function hostsTable(run: RunSummary): Html {
  const hosts = Object.entries(run.hosts);
  if (!hosts.length) return html``;
  return html`<section><h2>Hosts</h2><table class="hosts">
<thead><tr><th>Host</th><th class="num">Records</th><th class="num">Rate</th><th class="num">Tokens out</th><th class="num">Busy</th><th>Circuit</th></tr></thead>
<tbody>${hosts.map(([name, h]) => html`<tr><td>${name}</td><td class="num">${formatCount(h.records)}</td><td class="num">${formatRate(h.recordsPerSec)}</td><td class="num">${formatCount(h.tokensOut)}</td><td class="num">${formatDuration(h.busyMs / 1000)}</td><td>${h.circuit}</td></tr>`)}</tbody>
</table></section>`;
}

function reportSection(run: RunSummary, dir: RunDir): Html {
  const has = dir.kind === 'ok' && dir.files.some((f) => f.name === REPORT_FILE);
  if (!has) {
    return html`<section class="report"><h2>Report</h2><p class="muted">${isActive(run.state) ? 'The run writes its report when it ends.' : 'This run has no report.html.'}</p></section>`;
  }
  const src = filePath(run.runId, REPORT_FILE);
  return html`<section class="report"><h2>Report <a class="aside" href="${src}" target="_blank" rel="noopener">open in its own tab</a></h2>
<iframe src="${src}" title="Run report" sandbox="allow-scripts allow-popups"></iframe></section>`;
}

interface ManifestView {
  status?: string;
  startedAt?: string;
  finishedAt?: string;
  timings?: { totalMs?: number };
  datasets?: Record<string, { requested?: number; written?: number; rejected?: number; failed?: number }>;
  backends?: Record<string, { calls?: number; tokensIn?: number; tokensOut?: number; cost?: number }>;
  error?: { code?: string; message?: string };
}

function manifestSection(run: RunSummary, text: string | undefined, dir: RunDir): Html {
  const listed = dir.kind === 'ok' && dir.files.some((f) => f.name === 'manifest.json');
  if (text === undefined) {
    if (!listed) return html`<section class="manifest"><h2>Manifest</h2><p class="muted">${isActive(run.state) ? 'The run writes manifest.json when it ends.' : 'No manifest.json in the output directory.'}</p></section>`;
    return html`<section class="manifest"><h2>Manifest</h2><p>manifest.json is too large to show here: <a href="${filePath(run.runId, 'manifest.json')}" download>download it</a>.</p></section>`;
  }
  let m: ManifestView;
  try {
    m = JSON.parse(text) as ManifestView;
  } catch {
    return html`<section class="manifest"><h2>Manifest</h2><p class="error">manifest.json is not valid JSON.</p></section>`;
  }
  const datasets = Object.entries(m.datasets ?? {});
  const backends = Object.entries(m.backends ?? {});
  return html`<section class="manifest"><h2>Manifest</h2>
<dl class="figures">
<div><dt>Status</dt><dd><span class="state state-${m.status ?? ''}" data-f="manifest-status">${(m.status ?? '?').replace('_', ' ')}</span></dd></div>
<div><dt>Time</dt><dd>${formatDuration(m.timings?.totalMs === undefined ? undefined : m.timings.totalMs / 1000)}</dd></div>
${m.finishedAt ? html`<div class="wide"><dt>Finished</dt><dd>${time(m.finishedAt)}</dd></div>` : ''}
</dl>
${m.error ? html`<p class="error">${m.error.code ?? ''}: ${m.error.message ?? ''}</p>` : ''}
<div class="split">
<table class="datasets"><thead><tr><th>Dataset</th><th class="num">Requested</th><th class="num">Written</th><th class="num">Rejected</th></tr></thead>
<tbody>${datasets.map(([name, d]) => html`<tr><td>${name}</td><td class="num">${formatCount(d.requested ?? 0)}</td><td class="num">${formatCount(d.written ?? 0)}</td><td class="num">${formatCount(d.rejected ?? 0)}</td></tr>`)}</tbody></table>
${backends.length ? html`<table class="backends"><thead><tr><th>Backend</th><th class="num">Calls</th><th class="num">Tokens in</th><th class="num">Tokens out</th><th class="num">Cost</th></tr></thead>
<tbody>${backends.map(([name, b]) => html`<tr><td>${name}</td><td class="num">${formatCount(b.calls ?? 0)}</td><td class="num">${formatCount(b.tokensIn ?? 0)}</td><td class="num">${formatCount(b.tokensOut ?? 0)}</td><td class="num">${formatCost(b.cost)}</td></tr>`)}</tbody></table>` : ''}
</div>
<details><summary>manifest.json</summary><pre>${JSON.stringify(JSON.parse(text), null, 2)}</pre></details>
</section>`;
}

function filesSection(run: RunSummary, dir: RunDir, outRoot: string): Html {
  let content: Html;
  if (dir.kind === 'outside') content = html`<p class="muted">The run writes to <code>${run.outDir}</code>, outside this server's out root (<code>${outRoot}</code>): its files are not served here.</p>`;
  else if (dir.kind === 'missing') content = html`<p class="muted">${isActive(run.state) ? 'No files yet.' : html`<code>${run.outDir}</code> is not on this server's disk.`}</p>`;
  else if (!dir.files.length) content = html`<p class="muted">No files yet.</p>`;
  else {
    content = html`<table class="files"><thead><tr><th>File</th><th class="num">Size</th><th>Modified</th><th></th></tr></thead>
<tbody>${dir.files.map((f) => html`<tr><td><code>${f.name}</code></td><td class="num">${formatBytes(f.size)}</td><td>${time(f.modified)}</td><td><a href="${filePath(run.runId, f.name)}" download="${f.name}">Download</a></td></tr>`)}</tbody></table>`;
  }
  return html`<section class="files"><h2>Files <span class="aside"><code>${run.outDir}</code></span></h2>${content}</section>`;
}

/**
 * The runs pages: `GET /` (recent runs, updated live) and `GET /run/:id` (one run: live progress,
 * cancel, hosts, report, manifest, files). Server-rendered; `/assets/app.js` keeps the figures
 * live from `GET /runs/:id/events` and cancels with `DELETE /runs/:id`.
 */
export function registerPageRoutes(app: FastifyInstance, opts: { service: FarmService; outRoot: string; uiBasePath: string; signedIn: boolean }): void {
  const { service, outRoot } = opts;
  const menu = nav(opts.signedIn, opts.uiBasePath);

  app.get('/', async (_request, reply) => {
    const runs = await service.listRuns(RUNS_PAGE_LIMIT);
    const active = runs.filter((r) => isActive(r.state)).length;
    const body = html`<div class="page-head"><h1>Runs</h1><p class="muted">${runs.length} shown${active ? ` \u00b7 ${active} in progress` : ''}</p></div>
${runsTable(runs)}`;
    return sendPage(reply, { title: 'Runs', body, nav: menu, bodyClass: 'page-runs' });
  });

  app.get<{ Params: { id: string } }>('/run/:id', async (request, reply) => {
    const run = await service.getRun(request.params.id);
    if (!run) {
      const body = html`<div class="page-head"><h1>No such run</h1></div><p>There is no run <code>${request.params.id}</code>. <a href="/">All runs</a></p>`;
      return sendPage(reply, { title: 'Not found', body, nav: menu }, 404);
    }
    const dir = await listRunFiles(outRoot, run.outDir);
    const manifest = dir.kind === 'ok' ? await readRunText(outRoot, run.outDir, 'manifest.json', MANIFEST_SHOWN_BYTES) : undefined;
    const body = html`<div class="page-head run-head" data-run="${run.runId}" data-state="${run.state}">
<h1>Run <code>${run.runId}</code> ${state(run)}</h1>
${isActive(run.state) ? html`<button type="button" class="danger" id="cancel">Cancel run</button>` : ''}
</div>
<section class="live">
<progress max="${Math.max(1, run.total)}" value="${run.done}" data-f="bar"></progress>
${figures(run)}
<p class="error" data-f="error"${run.error ? '' : html` hidden`}>${run.error ?? ''}</p>
</section>
${hostsTable(run)}
${reportSection(run, dir)}
${manifestSection(run, manifest, dir)}
${filesSection(run, dir, outRoot)}`;
    return sendPage(reply, { title: `Run ${run.runId}`, body, nav: menu, bodyClass: 'page-run' });
  });
}
