// The runs pages' script (served at /assets/app.js; CSP allows scripts from this server only).
// It keeps a page's figures live from GET /runs/:id/events and cancels with DELETE /runs/:id;
// the session cookie authenticates both, and the browser's Origin header vouches for the DELETE.
import { formatCost, formatCount, formatDuration, formatPercent, formatRate, isActive } from './run-format.js';

/**
 * Most event streams the list page keeps open. Browsers allow six HTTP/1.1 connections per
 * server; two stay free for navigation and downloads. Rows past it update on the next reload.
 */
const MAX_STREAMS = 4;

/** How often the list page looks for runs it does not show yet, in milliseconds. */
const NEW_RUNS_EVERY_MS = 5000;

/** Sets every `[data-f=name]` in `root` to `text`. */
function set(root, name, text) {
  for (const el of root.querySelectorAll(`[data-f="${name}"]`)) el.textContent = text;
}

/** Writes a run summary (an event's data) into the elements of `root`. */
function render(root, run) {
  root.dataset.state = run.state;
  for (const bar of root.querySelectorAll('[data-f="bar"]')) {
    bar.max = Math.max(1, run.total);
    bar.value = run.done;
  }
  for (const el of root.querySelectorAll('[data-f="state"]')) {
    el.textContent = run.state.replace('_', ' ');
    el.className = `state state-${run.state}`;
  }
  set(root, 'progress', `${formatCount(run.done)} / ${formatCount(run.total)} · ${formatPercent(run.done, run.total)}`);
  set(root, 'written', formatCount(run.written));
  set(root, 'rejected', formatCount(run.rejected));
  set(root, 'rate', formatRate(run.recordsPerSec));
  set(root, 'tokens', run.tokensPerSec === undefined ? '—' : `${formatCount(run.tokensPerSec)} tok/s`);
  set(root, 'eta', formatDuration(run.etaSeconds));
  set(root, 'cost', formatCost(run.costUsd));
  for (const el of root.querySelectorAll('[data-f="error"]')) {
    el.textContent = run.error ?? '';
    el.hidden = !run.error;
  }
}

/** Follows one run's event stream; `onEnd` runs once with the final summary. */
function follow(runId, onEvent, onEnd) {
  const es = new EventSource(`/runs/${encodeURIComponent(runId)}/events`);
  es.addEventListener('progress', (e) => onEvent(JSON.parse(e.data)));
  es.addEventListener('end', (e) => {
    es.close();
    const run = JSON.parse(e.data);
    onEvent(run);
    onEnd?.(run);
  });
  return es;
}

/** Shows times in the reader's time zone (the server renders UTC). */
function localTimes() {
  for (const t of document.querySelectorAll('time[datetime]')) {
    const d = new Date(t.getAttribute('datetime'));
    if (!Number.isNaN(d.getTime())) {
      t.title = t.textContent;
      t.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    }
  }
}

function runsPage() {
  const rows = [...document.querySelectorAll('tr[data-run]')];
  let open = 0;
  for (const row of rows) {
    if (!isActive(row.dataset.state) || open >= MAX_STREAMS) continue;
    open++;
    follow(row.dataset.run, (run) => render(row, run), () => open--);
  }
  // A run submitted after the page loaded: reload to list it (the list is the server's to render).
  const shown = new Set(rows.map((r) => r.dataset.run));
  setInterval(async () => {
    try {
      const res = await fetch(`/runs?limit=${Math.max(1, rows.length + 1)}`, { headers: { accept: 'application/json' } });
      if (!res.ok) return;
      const { runs } = await res.json();
      if (runs.some((r) => !shown.has(r.runId))) location.reload();
    } catch {
      // The server is away for a moment; try again next time.
    }
  }, NEW_RUNS_EVERY_MS);
}

function runPage() {
  const head = document.querySelector('.run-head[data-run]');
  const runId = head.dataset.run;
  const cancel = document.getElementById('cancel');
  const wasActive = isActive(head.dataset.state);
  if (wasActive) {
    follow(runId, (run) => {
      render(document.body, run);
      head.dataset.state = run.state;
    }, () => {
      if (cancel) cancel.hidden = true;
      // The report, manifest and files appear once the run has ended: show them.
      setTimeout(() => location.reload(), 300);
    });
  }
  cancel?.addEventListener('click', async () => {
    if (!confirm(`Cancel run ${runId}? What is not written yet becomes rejects with reason "cancelled".`)) return;
    cancel.disabled = true;
    cancel.textContent = 'Cancelling…';
    const res = await fetch(`/runs/${encodeURIComponent(runId)}`, { method: 'DELETE' });
    const body = await res.json().catch(() => ({}));
    if (res.ok) render(document.body, body); // the ended run
    if (res.ok || res.status === 409) {
      // 409: it had ended meanwhile. Either way the page now shows the ended run and its files.
      setTimeout(() => location.reload(), 300);
      return;
    }
    cancel.disabled = false;
    cancel.textContent = 'Cancel run';
    alert(`Could not cancel: ${body.error ?? `HTTP ${res.status}`}`);
  });
}

localTimes();
if (document.body.classList.contains('page-runs')) runsPage();
if (document.body.classList.contains('page-run')) runPage();
