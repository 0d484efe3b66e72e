// Draws report.html from the run's figures inlined in <script id="report-input"> (manifest,
// report data, folded events): the page model is built here by page-model.ts's own code (bundled
// before this script as SynthfarmPageModel), and drawn with Observable Plot (and d3), inlined too.
// No request leaves the page; data is only ever set as text (textContent, SVG text), never as markup.
(function () {
  'use strict';
  const input = JSON.parse(document.getElementById('report-input').textContent);
  const model = SynthfarmPageModel.buildPageModel(input.manifest, input.data || undefined, input.timeline);
  const root = document.getElementById('report');
  const int = (n) => Math.round(n).toLocaleString('en-US');
  const usd = (n) => '$' + (n >= 1 ? n.toFixed(2) : n.toFixed(4));
  const pct = (x) => (x * 100).toFixed(1) + '%';
  const secs = (ms) => (ms >= 60000 ? (ms / 60000).toFixed(1) + ' min' : (ms / 1000).toFixed(2) + ' s');
  const num = (x) => (Math.abs(x) >= 1000 || Number.isInteger(x) ? int(x) : x.toPrecision(4));
  const COLORS = { data: '#4e79a7', target: '#e15759', ok: '#2e7d32', bad: '#c62828' };

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  const section = (id, title, ...body) => el('section', { id }, el('h2', {}, title), ...body);
  const table = (head, rows, attrs) => el('table', attrs || {}, el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))), el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => (c instanceof Node ? c : el('td', {}, c)))))));
  const td = (text, k) => el('td', { 'data-k': k, class: 'n' }, text);
  /** A plot in a card, marked for the browser test (every .plot must draw marks). */
  const plot = (name, options) => {
    const fig = Plot.plot(Object.assign({ style: { fontSize: '11px', background: 'transparent' } }, options));
    return el('div', { class: 'plot', 'data-plot': name }, fig);
  };

  // ── Summary ──────────────────────────────────────────────────────────────
  const run = model.run;
  const statusOk = run.status === 'completed';
  const allChecks = model.datasets.flatMap((d) => d.columns.flatMap((c) => c.checks));
  const failed = allChecks.filter((c) => !c.ok).length;
  const summary = el('dl', { class: 'figures' },
    [['Status', el('span', { class: 'badge ' + (statusOk ? 'ok' : 'bad'), 'data-k': 'status' }, run.status)],
      ['Records written', el('span', { 'data-k': 'written' }, int(run.written))],
      ['Rejected', el('span', { 'data-k': 'rejected' }, int(run.rejected))],
      ['Requested', el('span', { 'data-k': 'requested' }, int(run.requested))],
      ['Time', el('span', { 'data-k': 'totalMs' }, secs(run.totalMs))],
      ['Cost', el('span', { 'data-k': 'cost' }, usd(run.cost))],
      ['Model calls', el('span', { 'data-k': 'calls' }, int(run.calls))],
      ['Tokens in / out', el('span', { 'data-k': 'tokens' }, int(run.tokensIn) + ' / ' + int(run.tokensOut))],
      ['Checks against the spec', el('span', { class: 'badge ' + (failed ? 'bad' : 'ok'), 'data-k': 'checks' }, allChecks.length ? (allChecks.length - failed) + ' of ' + allChecks.length + ' pass' : 'none')],
    ].map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
  const meta = el('p', { class: 'meta' }, `run ${run.runId} · ${run.mode} mode · seed ${run.seed} · ${run.startedAt} → ${run.finishedAt}` + (run.offline ? ' · offline: llm fields filled procedurally' : ''));
  root.append(el('header', {}, el('h1', {}, 'synthfarm run report'), meta, summary, run.error ? el('p', { class: 'error' }, `${run.error.code}: ${run.error.message}`) : null));

  const nav = el('nav', {}, el('a', { href: '#datasets' }, 'Datasets'), ...model.datasets.map((d) => el('a', { href: '#ds-' + d.name }, d.name)), el('a', { href: '#model' }, 'Model'), el('a', { href: '#rejects' }, 'Rejects'), el('a', { href: '#farm' }, 'Throughput'));
  root.append(nav);

  root.append(section('datasets', 'Datasets', table(
    ['dataset', 'requested', 'written', 'rejected', 'unique redraws', 'files'],
    model.datasets.map((d) => [el('td', {}, el('a', { href: '#ds-' + d.name }, d.name)), td(int(d.requested), d.name + '.requested'), td(int(d.written), d.name + '.written'), td(int(d.rejected), d.name + '.rejected'), td(int(d.uniqueRedraws)), el('td', {}, d.files.map((f) => `${f.path} (${int(f.rows)} rows, ${(f.bytes / 1e6).toFixed(2)} MB)`).join(', '))]),
  )));
  if (model.unpublished) root.append(el('p', { class: 'note', 'data-k': 'unpublished' }, 'The run failed and published no data, so no column is drawn: its error, counts, timeline and rejects are here.'));
  else if (model.noColumnData) root.append(el('p', { class: 'note' }, 'This run has no report-data.json (written by synthfarm since report.html was added): column plots are not available.'));

  // ── Per dataset ──────────────────────────────────────────────────────────
  for (const d of model.datasets) {
    const cards = d.columns.map(columnCard);
    const overview = [];
    if (d.columns.length) {
      const rows = d.columns.map((c) => ({ path: c.path, nullShare: c.n + c.nulls ? c.nulls / (c.n + c.nulls) : 0, target: c.targetNull, distinct: c.distinct !== undefined && c.n ? c.distinct / c.n : undefined }));
      overview.push(el('div', { class: 'card wide' }, el('h3', {}, 'Null rate per column'), el('p', { class: 'sub' }, 'bars: output · red ticks: spec nullRate'), plot('nulls-' + d.name, {
        width: 460, height: 24 + 18 * rows.length, marginLeft: 120, x: { label: 'null share', domain: [0, Math.max(0.05, ...rows.map((r) => Math.max(r.nullShare, r.target)))], tickFormat: '.0%' }, y: { label: null, domain: rows.map((r) => r.path) },
        marks: [Plot.barX(rows, { y: 'path', x: 'nullShare', fill: COLORS.data }), Plot.tickX(rows, { y: 'path', x: 'target', stroke: COLORS.target, strokeWidth: 2 }), Plot.ruleX([0])],
      })));
      const uq = rows.filter((r) => r.distinct !== undefined);
      if (uq.length) overview.push(el('div', { class: 'card wide' }, el('h3', {}, 'Uniqueness per column'), el('p', { class: 'sub' }, 'distinct values ÷ non-null values (exact for unique fields, sequences and uuids; otherwise a HyperLogLog estimate, ±3%)'), plot('unique-' + d.name, {
        width: 460, height: 24 + 18 * uq.length, marginLeft: 120, x: { label: 'distinct share', domain: [0, 1], tickFormat: '.0%' }, y: { label: null, domain: uq.map((r) => r.path) },
        marks: [Plot.barX(uq, { y: 'path', x: 'distinct', fill: COLORS.data }), Plot.ruleX([0])],
      })));
    }
    if (d.correlations.length > 1) {
      const cols = [...new Set(d.correlations.map((c) => c.a))];
      overview.push(el('div', { class: 'card wide' }, el('h3', {}, 'Correlations (Pearson r)'), el('p', { class: 'sub' }, 'cell: output r · in brackets: the spec\'s correlate r (a Gaussian-copula target: Pearson r of non-normal columns comes out lower)'), plot('corr-' + d.name, {
        width: 460, height: 60 + 40 * cols.length, marginLeft: 90, marginBottom: 50, x: { label: null, domain: cols, tickRotate: -20 }, y: { label: null, domain: cols },
        color: { type: 'diverging', scheme: 'RdBu', domain: [-1, 1] },
        marks: [Plot.cell(d.correlations, { x: 'a', y: 'b', fill: (c) => (c.r === null ? 0 : c.r), inset: 1 }), Plot.text(d.correlations, { x: 'a', y: 'b', text: (c) => (c.r === null ? '–' : c.r.toFixed(2)) + (c.target !== undefined ? ` (${c.target})` : ''), fill: (c) => (c.r !== null && Math.abs(c.r) > 0.6 ? 'white' : 'black') })],
      })));
    }
    const dsChecks = d.columns.flatMap((c) => c.checks);
    const bad = dsChecks.filter((c) => !c.ok).length;
    root.append(section('ds-' + d.name, `Dataset ${d.name}`,
      el('p', { class: 'meta' }, `${int(d.written)} records written (${int(d.summarized)} summarized while committing${d.summarized < d.written ? ': whole batches spread evenly over the dataset, so plots and rates are of that sample' : ''}) · `, el('span', { class: 'badge ' + (bad ? 'bad' : 'ok') }, `${dsChecks.length - bad} of ${dsChecks.length} checks pass`)),
      el('div', { class: 'grid' }, overview),
      el('div', { class: 'grid' }, cards)));
  }

  function checkList(c) {
    return el('ul', { class: 'checks' }, c.checks.map((k) => el('li', { class: k.ok ? 'ok' : 'bad', 'data-check': k.name }, (k.ok ? '✓ ' : '✗ ') + k.name + ': ' + k.detail)));
  }

  function columnCard(c) {
    const body = [];
    const stats = [];
    stats.push(`${int(c.n)} values, ${int(c.nulls)} null`);
    if (c.distinct !== undefined) stats.push(`${c.distinctExact ? '' : '≈'}${int(c.distinct)} distinct`);
    if (c.mean !== undefined) stats.push(c.type === 'date' ? `${new Date(c.min).toISOString().slice(0, 10)} … ${new Date(c.max).toISOString().slice(0, 10)}` : `mean ${num(c.mean)}, sd ${num(c.sd)}, ${num(c.min)} … ${num(c.max)}`);
    if (c.len) stats.push(`length ${c.len.min}–${c.len.max} (mean ${c.len.mean.toFixed(1)})`);
    if (c.type === 'array' && c.lengths && c.lengths.length) {
      body.push(plot('col-' + c.path, { width: 320, height: 150, x: { label: 'array length' }, y: { label: 'records', grid: true }, marks: [Plot.barY(c.lengths, { x: 'length', y: 'count', fill: COLORS.data }), Plot.ruleY([0])] }));
      if (c.cats && c.cats.length) {
        const marks = [Plot.barX(c.cats, { y: 'value', x: 'count', fill: COLORS.data }), Plot.ruleX([0])];
        if (c.cats.some((k) => k.target !== undefined)) marks.push(Plot.tickX(c.cats, { y: 'value', x: 'target', stroke: COLORS.target, strokeWidth: 2 }));
        body.push(el('p', { class: 'sub' }, 'elements: bars output · red ticks the spec\'s weights'), plot('elems-' + c.path, { width: 320, height: 30 + 20 * c.cats.length, marginLeft: 90, x: { label: 'elements', grid: true }, y: { label: null, domain: c.cats.map((k) => k.value) }, marks }));
      }
    } else if (c.hist && c.hist.length) {
      const date = c.type === 'date';
      const X = (v) => (date ? new Date(v) : v);
      const hasTarget = c.hist.some((b) => b.expected !== undefined);
      const marks = [Plot.rectY(c.hist, { x1: (b) => X(b.x0), x2: (b) => X(b.x1), y: 'count', fill: COLORS.data, inset: 0.5 }), Plot.ruleY([0])];
      if (hasTarget) marks.push(Plot.line(c.hist, { x: (b) => X((b.x0 + b.x1) / 2), y: 'expected', stroke: COLORS.target, strokeWidth: 2 }));
      body.push(plot('col-' + c.path, { width: 320, height: 170, marginLeft: 45, x: { label: null, type: date ? 'utc' : 'linear' }, y: { label: 'records', grid: true }, marks }));
      if (hasTarget) body.push(el('p', { class: 'sub' }, 'bars: output · red line: the spec\'s target'));
      if (c.under || c.over) body.push(el('p', { class: 'sub' }, `${int(c.under)} below and ${int(c.over)} above the drawn range`));
    } else if (c.cats && c.cats.length) {
      const cats = c.cats.slice(0, 25);
      const marks = [Plot.barX(cats, { y: 'value', x: 'count', fill: COLORS.data }), Plot.ruleX([0])];
      if (cats.some((k) => k.target !== undefined)) marks.push(Plot.tickX(cats, { y: 'value', x: 'target', stroke: COLORS.target, strokeWidth: 2 }));
      body.push(plot('col-' + c.path, { width: 320, height: 30 + 20 * cats.length, marginLeft: 90, x: { label: 'records', grid: true }, y: { label: null, domain: cats.map((k) => k.value) }, marks }));
      if (cats.some((k) => k.target !== undefined)) body.push(el('p', { class: 'sub' }, 'bars: output · red ticks: the spec\'s weights'));
      if (c.other) body.push(el('p', { class: 'sub' }, `${int(c.other)} more values not counted one by one`));
    } else if (c.n + c.nulls > 0) {
      // Free text: what there is to see is how many values are distinct, repeated or missing.
      const distinct = Math.min(c.n, c.distinct ?? 0);
      const parts = [{ part: 'distinct', n: distinct }, { part: 'repeated', n: c.n - distinct }, { part: 'null', n: c.nulls }];
      body.push(plot('col-' + c.path, { width: 320, height: 70, x: { label: 'records' }, color: { domain: ['distinct', 'repeated', 'null'], range: [COLORS.data, '#f28e2b', '#bab0ac'], legend: true }, marks: [Plot.barX(parts, Plot.stackX({ x: 'n', fill: 'part' }))] }));
    }
    const bad = c.checks.some((k) => !k.ok);
    return el('div', { class: 'card' + (bad ? ' failing' : ''), 'data-column': c.path }, el('h3', {}, c.path, el('span', { class: 'kind' }, c.field)), el('p', { class: 'sub' }, stats.join(' · ')), ...body, checkList(c));
  }

  // ── Model side ───────────────────────────────────────────────────────────
  const modelParts = [];
  if (model.backends.length) {
    modelParts.push(table(['backend', 'model', 'calls', 'failures', 'retries', 'cache hits', 'tokens in', 'tokens out', 'cost', 'latency p50 / p95'],
      model.backends.map((b) => [el('td', {}, b.name), el('td', {}, [b.provider, b.model].filter(Boolean).join(' ')), td(int(b.calls || 0), 'backend.' + b.name + '.calls'), td(int(b.failures || 0)), td(int(b.retries || 0)), td(int(b.cacheHits || 0)), td(int(b.tokensIn || 0)), td(int(b.tokensOut || 0), 'backend.' + b.name + '.tokensOut'), td(usd(b.cost || 0), 'backend.' + b.name + '.cost'), td(b.latencyMs ? `${int(b.latencyMs.p50)} / ${int(b.latencyMs.p95)} ms` : '')])));
    const hostRows = model.backends.flatMap((b) => Object.entries(b.hosts || {}).map(([h, v]) => [el('td', {}, b.name), el('td', {}, h), td(int(v.calls)), td(int(v.failures)), td(int(v.tokensOut)), td(secs(v.busyMs)), td(v.latencyMs ? `${int(v.latencyMs.p50)} / ${int(v.latencyMs.p95)} ms` : ''), el('td', {}, v.circuit)]));
    if (hostRows.length) modelParts.push(el('h3', {}, 'Per host'), table(['backend', 'host', 'attempts', 'failures', 'tokens out', 'model time', 'latency p50 / p95', 'circuit'], hostRows));
  }
  const calls = model.timeline.calls;
  if (calls.length) {
    const b = model.timeline.bucketSec;
    const line = (name, y, label) => el('div', { class: 'card wide' }, el('h3', {}, label), plot(name, { width: 600, height: 220, marginLeft: 60, x: { label: `seconds since start (buckets of ${b} s)` }, y: { label: null, grid: true }, color: { legend: true }, marks: [Plot.lineY(calls, { x: 't', y, stroke: 'series', marker: calls.length < 60 ? 'dot' : null }), Plot.ruleY([0])] }));
    modelParts.push(el('div', { class: 'grid timeline' },
      line('calls-time', 'calls', 'Calls per bucket, per backend and host'),
      line('tokens-time', 'tokensOut', 'Output tokens per bucket'),
      line('cost-time', 'cost', 'Cost per bucket (USD)'),
      line('latency-time', 'latencyMs', 'Mean call latency (ms)')));
  } else modelParts.push(el('p', { class: 'note' }, 'No model calls: every field was written by code' + (run.offline ? ' (offline run)' : '') + '.'));
  if (model.routing.length) {
    // Room for the longest reason at Plot's 10px labels (~6px a character), so none is cut off.
    const labelPx = Math.min(460, 16 + 6 * Math.max(...model.routing.map((r) => r.reason.length)));
    modelParts.push(el('h3', {}, 'Routing decisions'), plot('routing', { width: 420 + labelPx, height: 40 + 22 * model.routing.length, marginLeft: labelPx, x: { label: 'batches', grid: true }, y: { label: null }, color: { legend: true }, marks: [Plot.barX(model.routing, { y: 'reason', x: 'count', fill: 'backend' })] }));
  }
  const dec = model.decisions;
  if (Object.keys(dec.counts).length) {
    modelParts.push(el('h3', {}, 'Decisions'), table(['event type', 'count'], Object.entries(dec.counts).map(([k, v]) => [k, td(int(v))])));
    const keys = [...new Set(dec.listed.flatMap((e) => Object.keys(e)))].filter((k) => k !== 'type' && k !== 'at').slice(0, 8);
    modelParts.push(el('details', {}, el('summary', {}, `first ${dec.listed.length} decisions`), table(['type', ...keys], dec.listed.map((e) => [e.type, ...keys.map((k) => (e[k] === undefined ? '' : typeof e[k] === 'object' ? JSON.stringify(e[k]) : String(e[k])))]))));
  }
  const audit = model.audit.events;
  if (audit.batches || model.audit.manifest) {
    modelParts.push(el('h3', {}, 'Audit (spot-check enrich)'), table(['batches', 'sampled', 'enrich failures', 'audited', 'defects', 'audit errors', 'batches regenerated'], [[td(int(audit.batches)), td(int(audit.sampled)), td(int(audit.enrichFailures)), td(int(audit.audited), 'audit.audited'), td(int(audit.defects), 'audit.defects'), td(int(audit.auditErrors)), td(int(audit.regenerated))]]));
    if (audit.problems.length) modelParts.push(el('ul', { class: 'problems' }, audit.problems.map((p) => el('li', {}, p))));
  }
  root.append(section('model', 'Model side', ...modelParts));

  // ── Rejects ──────────────────────────────────────────────────────────────
  const rj = [];
  if (model.rejects.length) {
    rj.push(plot('rejects', { width: 620, height: 40 + 22 * model.rejects.length, marginLeft: 200, x: { label: 'records', grid: true }, y: { label: null }, color: { legend: true }, marks: [Plot.barX(model.rejects, { y: 'reason', x: 'count', fill: 'dataset' }), Plot.ruleX([0])] }));
    for (const [ds, reasons] of Object.entries(model.rejectExamples)) {
      for (const [reason, list] of Object.entries(reasons)) {
        rj.push(el('h3', {}, `${ds}: ${reason}`), table(['record', 'source key', 'error'], list.map((r) => [td(int(r.index)), el('td', {}, r.sourceKey !== undefined ? String(r.sourceKey) : r.line !== undefined ? 'line ' + r.line : ''), el('td', { class: 'err' }, r.error)])));
      }
    }
  } else rj.push(el('p', { class: 'note', 'data-k': 'no-rejects' }, 'No record was rejected.'));
  root.append(section('rejects', 'Rejects by reason', ...rj));

  // ── Throughput (farm: per worker host) ───────────────────────────────────
  const th = [];
  const committed = model.timeline.committed;
  if (committed.length) {
    th.push(el('div', { class: 'grid timeline' },
      el('div', { class: 'card wide' }, el('h3', {}, 'Records committed per second'), plot('throughput', { width: 600, height: 220, marginLeft: 60, x: { label: 'seconds since start' }, y: { label: 'records/s', grid: true }, color: { legend: true }, marks: [Plot.lineY(committed, { x: 't', y: 'recordsPerSec', stroke: 'host', marker: committed.length < 60 ? 'dot' : null }), Plot.ruleY([0])] })),
      committed.some((c) => c.busySlots > 0) ? el('div', { class: 'card wide' }, el('h3', {}, 'Slot utilization per worker host'), el('p', { class: 'sub' }, 'model time ÷ wall time: the average number of busy slots'), plot('slots', { width: 600, height: 220, marginLeft: 60, x: { label: 'seconds since start' }, y: { label: 'busy slots', grid: true }, color: { legend: true }, marks: [Plot.lineY(committed.filter((c) => c.host !== 'all'), { x: 't', y: 'busySlots', stroke: 'host' }), Plot.ruleY([0])] })) : null));
  }
  if (model.hosts.length) th.push(table(['worker host', 'records', 'tokens out', 'model time'], model.hosts.map((h) => [el('td', {}, h.name), td(int(h.records), 'host.' + h.name + '.records'), td(int(h.tokensOut)), td(secs(h.busyMs))])));
  if (model.hostStates.length) th.push(el('details', {}, el('summary', {}, `${model.hostStates.length} host state changes`), table(['at', 'host', 'state'], model.hostStates.map((s) => [new Date(s.at).toISOString(), s.worker ? `${s.worker} (${s.host})` : s.host, s.state]))));
  root.append(section('farm', model.run.mode === 'farm' ? 'Farm: throughput per host' : 'Throughput', ...th));
  document.body.dataset.ready = 'true';
})();
