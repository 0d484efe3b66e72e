import { setMaxListeners } from 'node:events';
import { serializeError, SynthfarmError } from '@synthfarm/core';
import { CompiledDataset, FakerRegistry, UniqueIndex, getPath, type DataRecord, type RecordOp } from '@synthfarm/codegen';
import { createLinePatcher, createRecordEncoder, type Format, type Reject, type SinkFile } from '@synthfarm/output';
import { enrichShares, isModelDataset, type FieldSpec, type Spec } from '@synthfarm/spec';
import { emptyAudit, mergeAudit } from './audit-summary.js';
import type { BatchExecutor } from './batch-executor.js';
import type { BatchJob } from './batch-job.js';
import type { BatchOutput } from './batch-output.js';
import type { CodegenPool } from './codegen-pool.js';
import type { DatasetManifest, Manifest, RoutingDecision, RunStatus } from './manifest.js';
import { openRunFiles, type OutputFile, type RunFiles } from './output-file.js';
import { lineAt } from './packed-lines.js';
import { finishedDatasetFiles, openDatasetOutputs } from './dataset-outputs.js';
import { batchRangeList, eachBatchRange, type BatchRange } from './plan.js';
import { referencedFields } from './ref-columns.js';
import type { RunBudget } from './run-budget.js';
import { estimateReport, type RunEstimate } from './run-estimate.js';
import type { RunState } from './run-state.js';
import { applyMaxRejects, applyRefillShortfall, failedDatasets } from './run-verdict.js';
import type { Progress } from './progress.js';
import { createFileEventLog, EVENTS_FILE, type EventLog } from './event-log.js';

/** Name of a run's decision record, beside manifest.json (DESIGN §8). */
export const DECISIONS_FILE = 'decisions.jsonl';
import type { RunEvent } from './run-events.js';
import { datasetEncoding } from './encoded-formats.js';
import type { PostgresSink } from './postgres-sink.js';
// The report's modules are loaded only by a run that writes one: collecting from the start,
// drawing at the end (report-from-dir and its stream reading never).
import type { ReportCollector, TextChange } from '@synthfarm/report/report-collector';
import { REPORT_DATA_FILE, REPORT_FILE } from '@synthfarm/report/report-data';
import type { DecisionLine, Router, RouteVerdict, WeightStore } from '@synthfarm/routing';
import { emptyBackendTotals, emptyRunRecord, foldEvents, hostSummaries, manifestBackend, runRates, type RunRecord } from './run-record.js';

/** What the committer needs; everything mode-specific comes in through these. */
export interface CommitterOptions {
  runId: string;
  mode: Manifest['mode'];
  /** The run's spec (enrich fields as columns). */
  spec: Spec;
  specSha256: string;
  /** Identifies the spec in the code threads' compile cache. */
  specKey: string;
  offline: boolean;
  /** Output directory (absolute in farm mode). */
  dir: string;
  /**
   * The root `dir` must be created in without following links (a run posted to the API): the
   * directory is opened inside it once and every file goes through that handle.
   */
  outRoot?: string | undefined;
  startedAt: Date;
  state: RunState;
  executor: BatchExecutor;
  /** Code threads for the key pass of model datasets with unique fields (their admission comes before dispatch). */
  pool: CodegenPool;
  /** Records per batch of dataset `d` (default its batchSize). */
  batchRecords?: (d: number) => number;
  /**
   * Batches in flight at most for dataset `d`, asked before each round of dispatching (a farm's
   * follows the workers that join and leave during a dataset).
   */
  window: (d: number) => number | Promise<number>;
  /**
   * The run's budgets: each batch's estimated cost is reserved before it is dispatched and
   * settled to what it cost at commit. A batch a cap refuses is not dispatched: the run ends
   * `budget_exceeded` once the batches in flight are committed, the rest becoming rejects.
   */
  budget?: RunBudget | undefined;
  /** What the plan predicted: the manifest sets it next to what the run made. */
  estimate?: RunEstimate | undefined;
  /**
   * Checked before each batch is taken: true ends the run at once (`synthfarm cancel`). Nothing
   * more is dispatched or written, batches handed out are discarded, and every record not
   * written becomes a reject with reason `cancelled`.
   */
  cancelled?: () => boolean | Promise<boolean>;
  /** Told which dataset's batches the run waits for now, and undefined once it waits for none. */
  onDataset?: (d: number | undefined) => void;
  /**
   * The backends the run uses, by name, with what the event log does not know (provider, model),
   * read once the run is over. The manifest's `backends.<name>` adds the figures folded from the
   * run's events to each (and lists any other backend the events name).
   */
  backends: () => Manifest['backends'] | Promise<Manifest['backends']>;
  /**
   * Another log the run's events go to after `events.jsonl` (farm mode: the run's Redis stream,
   * for live views in other processes).
   */
  events?: EventLog;
  /** Told the run's record after every commit (farm mode stores it for `status`, SSE and `/metrics`). */
  onRecord?: (record: RunRecord, final: boolean) => void | Promise<void>;
  /** Write report.html and report-data.json (default true). */
  report?: boolean;
  /** Include the enrich/audit summary in the manifest. */
  audit: boolean;
  /**
   * Where learned routing weights live between runs (a file; Redis in farm mode): loaded when the
   * run starts, saved when it ends. Default none: routes learn within the run only.
   */
  weights?: WeightStore | undefined;
  /** Start from no weights (`--fresh-weights`); the store is still written at the end. */
  freshWeights?: boolean | undefined;
  /** Told of routing warnings (a weights file that could not be read or written, a route whose pass rate dropped). */
  warn?: (message: string) => void;
  /**
   * Most rejected records a run may have and still be `completed`; past it the run's files are
   * published with status `failed` (TOO_MANY_REJECTS). Default: no limit.
   */
  maxRejects?: number | undefined;
  onProgress?: (p: Progress) => void;
  /** Stops the run: nothing is published (see `resumable` for what is left behind). */
  signal?: AbortSignal;
  /**
   * Farm mode: files are resumable part files, and a run stopped by `signal` is left as it is
   * (staging and part files kept, no manifest) for a resume to finish. Otherwise a stopped run's
   * staging is removed: the output directory keeps what it had.
   */
  resumable?: boolean;
}

/** How a run ended, and what it wrote. */
export interface CommitterResult {
  manifest: Manifest;
  failure?: unknown;
  /** True when nothing was published because `signal` stopped the run (a resumable run is left for a resume). */
  left: boolean;
}

/**
 * The one in-order committer of both modes (DESIGN §1, aggregator). Per dataset it decides
 * uniqueness in record order (model datasets before dispatch, as replayable ops; code-only ones at
 * commit, patching the few lines that collided), hands batch jobs to the executor within a
 * window, and appends their outputs strictly in record order, each exactly once: a batch is
 * committed by moving the run state's pointer past it, with the files' byte offsets, after its
 * bytes are written. Rejects, refs, the budget check, skipped records and the manifest live here.
 */
export async function runCommitter(opts: CommitterOptions): Promise<CommitterResult> {
  const { spec, state, executor, dir, runId } = opts;
  const datasets: Record<string, DatasetManifest> = {};
  const datasetsMs: Record<string, number> = {};
  const routing: RoutingDecision[] = [];
  const audit = emptyAudit();
  const wanted = referencedFields(spec);
  const total = spec.datasets.reduce((n, d) => n + d.count, 0);
  const counters = { done: 0, written: 0, rejected: 0, tokensOut: 0 };
  let status: RunStatus = 'completed';
  /** Why the run stopped taking work (a cap's refusal), for the rejects it leaves. */
  let stopReason: string | undefined;
  let failure: unknown;
  let rejects: OutputFile | undefined;
  let rejectsFile: Omit<SinkFile, 'format'> = { path: 'rejects.jsonl', rows: 0, bytes: 0, sha256: '' };
  let out: RunFiles | undefined;
  let eventFile: OutputFile | undefined;
  let lineage: OutputFile | undefined;
  let lineageFile: Manifest['lineage'];
  let log: EventLog | undefined;
  // The decision engine: every batch of a model dataset is routed here, before dispatch (DESIGN §8).
  let router: Router | undefined;
  let decisionLinesOf: typeof import('@synthfarm/routing').decisionLines | undefined;
  let decisions: OutputFile | undefined;
  let decisionRows = 0;
  // The run's record: everything it reports is folded from its events (run-record.ts).
  const record = emptyRunRecord();
  // What the report draws, gathered as batches commit (DESIGN §10): nothing is read back. A run
  // without a report gathers nothing.
  const report = opts.report !== false ? (await import('@synthfarm/report/report-collector')).createReportCollector(spec.datasets, spec.datasets.map((ds) => enrichShares(spec, ds))) : undefined;
  // The page's renderer and its ~0.5 MB of scripts load while the run generates, not after it:
  // from its first commit on (before, they competed with the run's start: a farm's first dispatch).
  let renderer: Promise<Renderer> | undefined;
  let eventRows = 0;
  const emit = async (events: RunEvent[]) => {
    for (const e of events) foldEvents(record, e);
    report?.addEvents(events);
    eventRows += events.length;
    await log!.append(events);
    await opts.events?.append(events).catch(() => undefined);
  };
  const open: Array<{ discard(): Promise<void> }> = [];
  let fakers: Promise<FakerRegistry> | undefined;
  const signal = opts.signal ?? new AbortController().signal;
  setMaxListeners(0, signal);

  let sink: PostgresSink | undefined;
  let decisionsFile: Omit<SinkFile, 'format'> | undefined;
  const appendRejects = (rs: Reject[]) => {
    report?.addRejects(rs);
    return rejects!.append(rs.map((r) => JSON.stringify(r) + '\n').join(''));
  };

  try {
    // The PostgreSQL target is checked (and its tables made) before any file is written.
    if (spec.output.postgres) {
      // Loaded when used, as are the sources and the router: a code-only run to files loads no
      // database driver, client or policy code (~300 ms of a short run's start-up).
      const { createPostgresSink } = await import('./postgres-sink.js');
      // A resumable run records a commit point after each load: each must be on disk first.
      sink = createPostgresSink(spec, opts.specSha256, runId, opts.resumable ? 'batch' : 'run');
      await sink.prepare();
    }
    // Every file goes to the run's staging directory and is published all together at the end.
    out = await openRunFiles({ dir, runId, outRoot: opts.outRoot, resumable: !!opts.resumable });
    const files = out;
    const commits = await Promise.all(spec.datasets.map((_, d) => state.datasetCommit(d)));
    const lastRejects = [...commits].reverse().find((c) => c.offsets.rejects !== undefined)?.offsets.rejects;
    rejects = await files.open('rejects.jsonl', lastRejects);
    open.push(rejects);
    // The event log is committed with the batches: a resume cuts it back to its last commit
    // point and folds it again, so the record counts each committed batch once.
    const lastEvents = [...commits].reverse().find((c) => c.offsets.events !== undefined)?.offsets.events;
    eventFile = await files.open(EVENTS_FILE, lastEvents);
    open.push(eventFile);
    log = createFileEventLog(eventFile);
    // lineage.jsonl: each output row of a transform dataset and the source key it came from.
    if (spec.output.lineage) {
      const lastLineage = [...commits].reverse().find((c) => c.offsets.lineage !== undefined)?.offsets.lineage;
      lineage = await files.open('lineage.jsonl', lastLineage);
      open.push(lineage);
    }
    if (!opts.offline && spec.datasets.some(isModelDataset)) {
      const start = opts.freshWeights ? undefined : await opts.weights?.load().catch((err: Error) => void opts.warn?.(`[routing] cannot read weights from ${opts.weights!.where}: ${err.message}; starting from none`));
      const { createRouter, decisionLines } = await import('@synthfarm/routing');
      router = createRouter({ spec, weights: start ?? undefined });
      decisionLinesOf = decisionLines;
      const lastDecisions = [...commits].reverse().find((c) => c.offsets.decisions !== undefined)?.offsets.decisions;
      decisions = await files.open(DECISIONS_FILE, lastDecisions);
      open.push(decisions);
      if (lastDecisions !== undefined) decisionRows = (await decisions.text()).split('\n').filter(Boolean).length;
    }
    if (lastEvents !== undefined) {
      // A resumed run's router learns again from the verdicts its committed batches recorded.
      const seen = new Map<string, RouteVerdict[]>();
      for await (const e of log.read()) {
        foldEvents(record, e);
        report?.addEvents([e]);
        eventRows++;
        if (router && e.type === 'routing_decision' && e.verdicts) {
          const k = `${e.dataset}\u0000${e.batch}`;
          seen.set(k, [...(seen.get(k) ?? []), ...e.verdicts]);
        }
      }
      for (const [k, vs] of seen) {
        const [name, b] = k.split('\u0000');
        router?.observe(spec.datasets.findIndex((x) => x.name === name), Number(b), vs);
      }
    }
    await emit([{ type: 'run_state', at: Date.now(), state: 'running', mode: opts.mode }]);
    // A resumed run's caps count what its earlier sessions spent.
    opts.budget?.restore(Object.fromEntries(Object.entries(record.backends).map(([n, b]) => [n, b.cost])));
    for (const c of commits) {
      counters.done += c.written + c.rejected;
      counters.written += c.written;
      counters.rejected += c.rejected;
    }

    for (let d = 0; d < spec.datasets.length; d++) {
      const ds = spec.datasets[d]!;
      const t0 = performance.now();
      let commit = commits[d]!;
      const m: DatasetManifest = { requested: ds.count, written: commit.written, rejected: commit.rejected, uniqueRedraws: commit.uniqueRedraws ?? 0, ...(ds.refill ? { refilled: commit.refilled ?? 0 } : {}), files: [] };
      datasets[ds.name] = m;
      if (commit.finished) {
        m.files.push(...(await finishedDatasetFiles(files, spec, d, commit.written)));
        continue;
      }
      if (status !== 'completed') {
        await rejectRest(d, m, 0);
        continue;
      }
      // Computed when asked for: a huge run holds no list of its batches (memory flat in the count).
      const batchRecords = opts.batchRecords?.(d) ?? ds.batchSize;
      const ranges = batchRangeList(ds.count, batchRecords);
      /**
       * `refill: true`: once every batch of [0, count) is committed, one more batch at a time of
       * the indices after count, sized to what is still missing, until `count` are written. Its range
       * is a function of the commit point alone (so a resume re-offers the same one), and at most
       * `count` records are refilled, or fewer once the run is past --max-rejects (it fails anyway).
       */
      const refillRange = (): BatchRange | undefined => {
        const refilled = commit.refilled ?? 0;
        if (!ds.refill || commit.committed < ranges.length || commit.written >= ds.count || refilled >= ds.count) return undefined;
        if (opts.maxRejects !== undefined && counters.rejected > opts.maxRejects) return undefined;
        return { batch: commit.committed, start: ds.count + refilled, count: Math.min(batchRecords, ds.count - commit.written, ds.count - refilled) };
      };
      const rangeAt = (b: number): BatchRange => (b < ranges.length ? ranges.at(b) : refillRange()!);
      const fresh = commit.offsets[spec.output.formats[0]!] === undefined;
      // A resume reopens the files at the commit point (taking back any renamed into the staging
      // after it): a dataset whose every batch was committed is completed again, to the same bytes.
      const outputs = await openDatasetOutputs(files, spec, d, fresh ? undefined : commit);
      open.push(outputs);
      const refFields = [...wanted].filter((k) => k.startsWith(`${ds.name}.`)).map((k) => k.slice(ds.name.length + 1));
      // The lines the PostgreSQL sink COPYs (a batch whose every record was rejected has none).
      const copyFormat = sink ? datasetEncoding(spec, d).copy : undefined;
      const admission = await createAdmission(spec, d, () => (fakers ??= FakerRegistry.forSpec(spec)), () => state.refColumns(d), refFields, opts.pool, opts.specKey);
      const jobFor = async (b: number): Promise<BatchJob> => {
        const r = rangeAt(b);
        const route = b < ranges.length ? router?.decide(d, b, r.count) : undefined;
        return { runId, dataset: d, batch: b, start: r.start, count: r.count, ops: admission?.before ? await admission.before(r) : {}, ...(route ? { route } : {}) };
      };
      // A routed batch sees the verdicts of batches committed `routeWindow` before it: no more may be in flight.
      const routeWindow = router?.window(d);

      // A resumed committer rebuilds the unique index by replaying admission (model datasets:
      // every batch handed out; code-only: every batch committed), and re-offers batches it
      // handed out but never committed.
      // Keys admitted before a resume count too: a duplicate is one whichever coordinator sees it.
      const keys = ds.source ? await import('./source-keys.js') : undefined;
      const duplicates = ds.source && keys
        ? ds.source.onDuplicate === 'last' ? keys.createDuplicateFilter(ds, await keys.lastRowOfKeys(spec, ds)) : keys.createDuplicateFilter(ds, undefined, commit.committed > 0 ? await state.sourceKeys(d) : [])
        : undefined;
      let produced = await state.produced(d);
      const replay: BatchJob[] = [];
      for (let b = 0; b < produced; b++) {
        if (b >= ranges.length && b < commit.committed) {
          // Committed refill batches: their records are indices [count, count + refilled), admitted in order.
          if (b === ranges.length && admission) {
            const admit = admission.replay ?? admission.before!;
            for (const r of eachBatchRange(commit.refilled ?? 0, batchRecords)) await admit({ start: ds.count + r.start, count: r.count });
          }
          continue;
        }
        if (admission?.replay && b < commit.committed) await admission.replay(ranges.at(b));
        const job = b < commit.committed && !admission?.before ? undefined : await jobFor(b);
        if (job && b >= commit.committed) replay.push(job);
      }
      for (const j of replay) await opts.budget?.hold(d, j.batch, j.count);
      if (replay.length) await executor.dispatch(replay);
      const inflight = new Map<number, BatchJob>(replay.map((j) => [j.batch, j]));

      let stopped: RunStatus | undefined;
      opts.onDataset?.(d);
      for (;;) {
        const refill = commit.committed >= ranges.length ? refillRange() : undefined;
        if (commit.committed >= ranges.length && !refill) break;
        // A farm round's jobs go out in chunks of 1, 2, 4, ... as they are made: a run's first
        // batches reach the workers waiting on Redis while the rest of its first window is still
        // being reserved and admitted (20 of them took ~40 ms before the first went out). Later
        // rounds are a job or two. Embedded, a round is made in microseconds and goes out at once.
        let jobs: BatchJob[] = [];
        let chunk = opts.mode === 'farm' ? 1 : Infinity;
        const send = async () => {
          await executor.dispatch(jobs);
          await state.setProduced(d, produced);
          jobs = [];
          chunk *= 2;
        };
        const window = routeWindow === undefined ? await opts.window(d) : Math.min(await opts.window(d), routeWindow + 1);
        // Refill batches go one at a time: each one's size is what the ones before it left missing.
        while (!stopped && produced - commit.committed < window && (produced < ranges.length || (refill && produced === commit.committed))) {
          if (signal.aborted) throw stoppedError();
          // Reserved before the job is made: a refused batch is never admitted or dispatched.
          const refused = await opts.budget?.reserve(d, produced, ranges.at(produced).count);
          if (refused) {
            stopped = 'budget_exceeded';
            stopReason = refused;
            break;
          }
          const job = await jobFor(produced);
          jobs.push(job);
          inflight.set(job.batch, job);
          produced++;
          if (jobs.length >= chunk) await send();
        }
        if (jobs.length) await send();
        if (stopped && commit.committed >= produced) break;
        const b = commit.committed;
        const job = inflight.get(b) ?? (await jobFor(b));
        const batch = await takeUnlessCancelled(job);
        if (!batch) {
          // Cancelled: nothing more is dispatched or written; what was not written becomes rejects.
          stopped = 'cancelled';
          await executor.discard([...inflight.values()]);
          inflight.clear();
          break;
        }
        const admittedKeys = duplicates?.(batch, job.start);
        const changed = admission?.after && batch.keys ? await admission.after(batch, job.start, !!(report && batch.summary)) : undefined;
        // The batch was summarized where it was made; records changed here are counted as written.
        if (changed?.before.length) report?.correctRecords(d, changed.before, changed.after);
        if (changed?.texts.length) report?.correctTexts(d, changed.texts);
        if (sink) {
          // Loaded once (the sink's ledger), before the files: its orphans are rejects there too.
          const lines = batch.lines[copyFormat!] ?? { text: '', ends: new Uint32Array(batch.count) };
          const { orphans } = await sink.load({ dataset: d, start: job.start, count: batch.count, sourceKeys: batch.sourceKeys, lines, dropped: new Set(batch.dropped), replaced: batch.replaced?.[copyFormat!] });
          for (const o of orphans) batch.dropped.push(o.index - job.start);
          batch.rejects.push(...orphans);
        }
        const dropped = new Set(batch.dropped);
        if (lineage && batch.sourceKeys) {
          let row = commit.written;
          let text = '';
          for (let k = 0; k < batch.count; k++) if (!dropped.has(k)) text += JSON.stringify({ dataset: ds.name, row: row++, source: ds.source!.from, sourceKey: batch.sourceKeys[k] }) + '\n';
          await lineage.append(text);
        }
        await outputs.append(batch, dropped);
        await appendRejects(batch.rejects);
        report?.addBatch(d, batch.summary);
        if (report) renderer ??= loadRenderer();
        const rows = batch.count - dropped.size;
        const lines = job.route && decisionLinesOf ? decisionLinesOf(ds.name, b, job.route, batch.verdicts ?? []) : [];
        if (lines.length) {
          router!.observe(d, b, batch.verdicts ?? []);
          await decisions!.append(lines.map((l) => JSON.stringify(l) + '\n').join(''));
          decisionRows += lines.length;
        }
        await emit([...batchEvents(ds.name, b, batch, rows, lines.map((l) => ({ ...l, verdicts: (batch.verdicts ?? []).filter((v) => v.step === l.step && (l.fields.includes(v.field) || v.field === '*')) })))]);
        commit = {
          produced, committed: b + 1, written: commit.written + rows, rejected: commit.rejected + batch.rejects.length,
          offsets: { ...outputs.offsets(), rejects: rejects.bytes, events: eventFile.bytes, ...(lineage ? { lineage: lineage.bytes } : {}), ...(decisions ? { decisions: decisions.bytes } : {}) },
          uniqueRedraws: admission?.unique.redrawn ?? 0,
          ...(ds.refill ? { refilled: (commit.refilled ?? 0) + (b >= ranges.length ? batch.count : 0) } : {}),
        };
        const refs = refFields.map((f, r): [string, unknown[]] => [`${ds.name}.${f}`, (batch.refValues[r] ?? []).filter((v, k) => !dropped.has(k) && v !== null && v !== undefined)]);
        await state.commit(d, commit, { done: batch.count, written: rows, rejected: batch.rejects.length }, refs, ds.source?.onDuplicate === 'last' ? undefined : admittedKeys);
        await opts.budget?.settle(d, b, batch.backends);
        await executor.release(job);
        inflight.delete(b);
        routing.push(...batch.routing);
        if (batch.audit) mergeAudit(audit, batch.audit);
        m.written = commit.written;
        m.rejected = commit.rejected;
        if (ds.refill) m.refilled = commit.refilled ?? 0;
        counters.done += batch.count;
        counters.written += rows;
        counters.rejected += batch.rejects.length;
        // Tokens come from the batches' own accounting: the same figure whichever executor ran them.
        for (const delta of Object.values(batch.backends)) counters.tokensOut += delta.tokensOut;
        opts.onProgress?.({ dataset: ds.name, total, ...counters, ...runRates(record, total) });
        await opts.onRecord?.(record, false);
      }
      opts.onDataset?.(undefined);
      if (stopped) {
        status = stopped;
        await rejectRest(d, m, commit.written + commit.rejected);
      }
      if (admission) m.uniqueRedraws = admission.unique.redrawn;
      m.files.push(...(await outputs.commit()));
      open.splice(open.indexOf(outputs), 1);
      await state.commit(d, { ...commit, produced, written: m.written, rejected: m.rejected, finished: true, uniqueRedraws: m.uniqueRedraws, offsets: { ...commit.offsets, rejects: rejects.bytes, events: eventFile.bytes } }, { done: 0, written: 0, rejected: 0 }, []);
      datasetsMs[ds.name] = Math.round(performance.now() - t0);
      if (signal.aborted) throw stoppedError();
    }
    // Before the run says what it loaded.
    await sink?.sync();
    if (lineage) {
      const info = await lineage.commit();
      open.splice(open.indexOf(lineage), 1);
      lineageFile = { path: 'lineage.jsonl', rows: counters.written, bytes: info.bytes, sha256: info.sha256 };
    }
    if (decisions) {
      const info = await decisions.commit();
      open.splice(open.indexOf(decisions), 1);
      decisionsFile = { path: DECISIONS_FILE, rows: decisionRows, bytes: info.bytes, sha256: info.sha256 };
    }
    rejectsFile = { ...(await rejects.commit()), path: 'rejects.jsonl', rows: counters.rejected };
    open.splice(open.indexOf(rejects), 1);
  } catch (err) {
    failure = err;
    status = 'failed';
  } finally {
    await executor.close();
    await sink?.close();
    await opts.budget?.close().catch(() => undefined);
  }

  if (failure) await Promise.all(open.map((f) => f.discard().catch(() => undefined)));
  const finishedAt = new Date();
  const backends = backendsSection(await Promise.resolve(opts.backends()).catch(() => ({})), record);
  const hosts = hostSummaries(record);
  const manifest: Manifest = {
    runId, status, mode: opts.mode, seed: spec.seed, specSha256: opts.specSha256, offline: opts.offline,
    startedAt: opts.startedAt.toISOString(), finishedAt: finishedAt.toISOString(),
    // A failed run publishes no data: its manifest says so rather than count records it lost.
    datasets: failure || !out ? failedDatasets(spec.datasets, datasets) : relativeFiles(datasets, out.staging),
    rejects: { ...rejectsFile, format: 'jsonl' },
    ...(lineageFile && !failure ? { lineage: lineageFile } : {}),
    backends,
    ...(Object.values(record.hosts).some((h) => h.records > 0) ? { hosts: Object.fromEntries(Object.entries(hosts).filter(([, h]) => h.records > 0).map(([n, h]) => [n, { records: h.records, tokensOut: h.tokensOut, busyMs: h.busyMs }])) } : {}),
    routing,
    ...(router ? { decisions: { ...(decisionsFile && !failure ? { file: decisionsFile } : {}), ...router.summary() } } : {}),
    ...(opts.audit ? { audit } : {}),
    ...(opts.budget ? { budget: opts.budget.summary() } : {}),
    ...(opts.estimate ? { estimate: estimateReport(opts.estimate, record) } : {}),
    timings: { totalMs: finishedAt.getTime() - opts.startedAt.getTime(), datasetsMs },
  };
  if (failure) {
    const e = serializeError(failure);
    manifest.error = { code: e.code, message: e.message };
  } else {
    applyMaxRejects(manifest, opts.maxRejects);
    applyRefillShortfall(manifest, spec);
  }
  // The run's last event says how it ended; the log is then published with the other files.
  if (!failure && eventFile && log) {
    try {
      await emit([{ type: 'run_state', at: Date.now(), state: manifest.status }]);
      const info = await eventFile.commit();
      open.splice(open.indexOf(eventFile), 1);
      manifest.events = { path: EVENTS_FILE, rows: eventRows, bytes: info.bytes, sha256: info.sha256 };
    } catch (err) {
      await eventFile.discard().catch(() => undefined);
      failure = err;
      manifest.status = 'failed';
      const e = serializeError(err);
      manifest.error = { code: e.code, message: e.message };
      manifest.datasets = failedDatasets(spec.datasets, datasets);
    }
  }
  if (router && !failure) {
    for (const x of router.summary().drops) opts.warn?.(`[routing] ${x.dataset}.${x.field} on ${x.backend}: pass rate ${(x.now * 100).toFixed(1)}% over ${x.asked} attempts, below its history ${(x.history * 100).toFixed(1)}%`);
    // What this run learned goes to the next one (a resumed run re-learned its committed batches above).
    if (opts.weights) await opts.weights.save(router.weights()).catch((err: Error) => opts.warn?.(`[routing] cannot save weights to ${opts.weights!.where}: ${err.message}`));
  }
  await Promise.resolve(opts.onRecord?.(record, true)).catch(() => undefined);
  // A run stopped by its signal publishes nothing; a resumable one keeps its staging and part
  // files for `synthfarm resume`, any other has its staging removed.
  const left = !!(failure && signal.aborted);
  // Every run that publishes has its report. A failed one publishes no data, so its page has no
  // figures of the records: its error, counts, timeline and rejects by reason.
  if (out && !left && report) await writeReport(out, manifest, report, renderer ?? loadRenderer(), !failure);
  if (left) {
    if (!opts.resumable) await out?.discard();
    await out?.close();
  } else if (out) {
    try {
      await out.publish(manifest);
    } catch (err) {
      await out.discard();
      // The first failure is the one to report; a manifest that cannot be written is one itself.
      failure ??= err;
    }
    // The run is over: part files of datasets it never finished go too.
    await out.finish();
  }
  return { manifest, failure, left };

  /** The output of `job`, or undefined when the run was cancelled before (or while waiting for) it. */
  async function takeUnlessCancelled(job: BatchJob): Promise<BatchOutput | undefined> {
    if (!opts.cancelled) return executor.take(job);
    if (await opts.cancelled()) return undefined;
    const give = new AbortController();
    const taking = executor.take(job, give.signal);
    taking.catch(() => undefined);
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const arrived = await Promise.race([taking.then(() => true, () => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), 250)))]);
      clearTimeout(timer);
      if (arrived) return taking;
      if (await opts.cancelled()) {
        give.abort();
        return undefined;
      }
    }
  }

  /** Records never generated because the run stopped are rejects too: nothing disappears. */
  async function rejectRest(d: number, m: DatasetManifest, from: number): Promise<void> {
    const dataset = spec.datasets[d]!.name;
    const chunk: Reject[] = [];
    for (let i = from; i < m.requested; i++) {
      chunk.push({ dataset, index: i, reason: status, error: `not generated: ${stopReason ?? `the run stopped (${status})`}` });
      if (chunk.length === 1000) await appendRejects(chunk.splice(0));
    }
    await appendRejects(chunk);
    // A run stopped while refilling has tried every requested record already.
    const n = Math.max(0, m.requested - from);
    m.rejected += n;
    counters.rejected += n;
    counters.done += n;
    if (n > 0) await emit([{ type: 'reject', at: Date.now(), dataset, count: n, reasons: { [status]: n } }]);
    // The run's own counters (status, GET /runs/:id) count them too: written + rejected = requested.
    await state.skipped(n);
  }
}

/**
 * Writes report.html and report-data.json into the run's staging, to be published with its other
 * files, and names them in the manifest. A report that cannot be written does not fail the run:
 * the manifest then names none.
 */
async function writeReport(out: RunFiles, manifest: Manifest, report: ReportCollector, renderer: Promise<Renderer>, figures: boolean): Promise<void> {
  const written: OutputFile[] = [];
  try {
    const { renderReport } = await renderer;
    const gathered = report.data(manifest.runId, { figures });
    manifest.report = { path: REPORT_FILE, data: REPORT_DATA_FILE };
    const parts = renderReport({ manifest: manifest as unknown as Record<string, unknown>, data: gathered, timeline: report.timeline() });
    // The two files are written side by side: neither waits for the other's trip to the disk.
    // The manifest names them without a digest: none is computed.
    await Promise.all([
      (async () => {
        const data = await out.open(REPORT_DATA_FILE, undefined, { digest: false });
        written.push(data);
        await data.append(JSON.stringify(gathered));
        await data.commit();
      })(),
      (async () => {
        const page = await out.open(REPORT_FILE, undefined, { digest: false });
        written.push(page);
        for (const part of parts) await page.append(part);
        await page.commit();
      })(),
    ]);
  } catch {
    delete manifest.report;
    await Promise.all(written.map((f) => f.discard().catch(() => undefined)));
  }
}

type Renderer = typeof import('@synthfarm/report/render-report');

/** The report's renderer with its static parts read; a failure here fails only the report (see writeReport). */
function loadRenderer(): Promise<Renderer> {
  const p = import('@synthfarm/report/render-report').then(async (m) => {
    await m.loadReportAssets();
    return m;
  });
  // Awaited only at the run's end: a run that fails first must not leave it unhandled.
  p.catch(() => undefined);
  return p;
}

function stoppedError(): SynthfarmError {
  return new SynthfarmError('INTERNAL', '[run] stopped', 1);
}

interface Admission {
  unique: UniqueIndex;
  /** Model datasets: decides a batch's uniqueness before dispatch; its ops travel with the job. */
  before?: (r: { start: number; count: number }) => Promise<BatchJob['ops']>;
  /**
   * Code-only datasets: admits a finished batch's keys in record order, patching lines that
   * changed; with `changes`, also returns what changed for the report: redrawn records as
   * generated and as written, suffixed templates' texts.
   */
  after?: (out: BatchOutput, start: number, changes?: boolean) => Promise<AdmissionChanges | undefined>;
  /** Rebuilds the index for a batch committed before a resume. */
  replay?: (r: { start: number; count: number }) => Promise<void>;
}

/** What admission changed in a batch after it was summarized, for the report to count what is written. */
interface AdmissionChanges {
  /** Records redrawn: as summarized, and as written. */
  before: DataRecord[];
  after: DataRecord[];
  /** Unique templates suffixed (nothing else of their records changed): the value summarized, and the one written. */
  texts: TextChange[];
}

/** What {@link admitUntilCollision} found at the record it stopped at: its suffixed templates' ops, or undefined for a drawn field to redraw. */
interface Collision {
  ops: RecordOp[] | undefined;
}

/**
 * Admits a batch's records `from` on (their keys, `u` a record, in record order) until one
 * collides; returns its offset, `count` when none did. Records in `dropped` are skipped.
 */
function admitUntilCollision(unique: UniqueIndex, keys: ArrayLike<number>, templateValue: (j: number) => unknown, u: number, start: number, dropped: ReadonlySet<number>, from: number, count: number, hit: Collision): number {
  for (let k = from; k < count; k++) {
    if (dropped.size && dropped.has(k)) continue;
    const ops = unique.admitKeys(keys, templateValue, k * u, start + k);
    if (ops?.length === 0) continue;
    hit.ops = ops;
    return k;
  }
  return count;
}

/** Whether any field is `unique` (objects' fields included, as CompiledDataset's uniqueNodes are). */
function hasUniqueField(fields: Record<string, FieldSpec>): boolean {
  return Object.values(fields).some((f) => f.unique || (f.kind === 'object' && hasUniqueField(f.fields)));
}

/**
 * Uniqueness of one dataset, decided in record order whichever executor generated the batch;
 * undefined for a dataset with no unique field, found from its spec before anything is compiled,
 * loaded or read (a few ms of a farm coordinator's path to its first dispatch).
 */
async function createAdmission(spec: Spec, d: number, loadFakers: () => Promise<FakerRegistry>, loadRefColumns: () => Promise<import('@synthfarm/codegen').RefColumns>, refFields: string[], pool: CodegenPool, specKey: string): Promise<Admission | undefined> {
  const ds = spec.datasets[d]!;
  if (!ds.fields || !hasUniqueField(ds.fields)) return undefined;
  const compiled = new CompiledDataset(spec, d, await loadFakers());
  const unique = new UniqueIndex(compiled);
  const refColumns = await loadRefColumns();
  compiled.setRefColumns(refColumns);
  const u = compiled.uniqueNodes.length;
  const specJson = JSON.stringify(spec);
  // A source dataset's records are transforms of its legacy rows: a key pass or a redraw here
  // needs the batch's rows too (read by range, as the batch's own processor read them).
  const rowsOf = async (start: number, count: number) => {
    const { readSourceBatch, sourceFor } = await import('./source-rows.js');
    return (await readSourceBatch(sourceFor(specKey, spec, d), spec, d, start, count)).rows;
  };
  // Decides one batch from a key pass on the code threads: the ops a worker replays.
  const decide = async (r: { start: number; count: number }): Promise<BatchJob['ops']> => {
    const sourceRows = ds.source ? await rowsOf(r.start, r.count) : undefined;
    if (sourceRows) compiled.setSourceRows(r.start, sourceRows);
    const res = await pool.run({ specKey, specJson, datasetIndex: d, start: r.start, count: r.count, refColumns, encode: { formats: [], options: {}, refFields: [] }, ...(sourceRows ? { sourceRows } : {}) });
    const e = res.encoded!;
    const ops: Record<string, RecordOp[]> = {};
    const invalid = new Set(res.invalid.map((i) => i.offset));
    for (let k = 0; k < r.count; k++) {
      if (invalid.has(k)) continue;
      const suffixed = unique.admitKeys(e.keys, (j) => lineAt(e.templateValues, j), k * u, r.start + k);
      if (suffixed) {
        if (suffixed.length) ops[k] = suffixed;
        continue;
      }
      const log: RecordOp[] = [];
      unique.admit(compiled.generate(r.start + k), r.start + k, log);
      ops[k] = log;
    }
    return ops;
  };
  if (isModelDataset(ds)) return { unique, before: decide };
  const encoding = datasetEncoding(spec, d);
  const patchers = Object.fromEntries(encoding.formats.map((f) => [f, createLinePatcher(f, encoding.options[f])]));
  const encoders = Object.fromEntries(encoding.formats.map((f) => [f, createRecordEncoder(f, encoding.options[f])]));
  const refPaths = refFields.map((f) => f.split('.'));
  /** A unique node's place among the record's keys and template values. */
  const uniqueAt = new Map(compiled.uniqueNodes.map((n, at) => [n.id, at]));
  // A record as its batch's processor made it (same bytes): only its own legacy row is read, for
  // a collision re-reading the whole batch's rows cost the main thread a batch of parsing each.
  const generated = async (i: number) => {
    if (ds.source) compiled.setSourceRows(i, await rowsOf(i, 1));
    return compiled.generate(i);
  };
  return {
    unique,
    replay: async (r) => void (await decide(r)),
    async after(out, start, changes) {
      const changed: AdmissionChanges | undefined = changes ? { before: [], after: [], texts: [] } : undefined;
      const dropped = new Set(out.dropped);
      const replaced = (out.replaced ??= {});
      const current = (f: Format, k: number) => replaced[f]?.get(k) ?? lineAt(out.lines[f]!, k);
      const set = (f: Format, k: number, line: string) => (replaced[f] ??= new Map()).set(k, line);
      const templateValue = (j: number) => lineAt(out.templateValues!, j);
      const hit: Collision = { ops: undefined };
      // Nearly every record collides with nothing: admitted by admitUntilCollision's plain loop,
      // which stops at each one that did. (Looped here, in this async function, the loop got it
      // compiled and deoptimized 7 times in a million-row migration, ~0.2 s of compiling.)
      const nextCollision = (from: number) => admitUntilCollision(unique, out.keys!, templateValue, u, start, dropped, from, out.count, hit);
      for (let k = nextCollision(0); k < out.count; k = nextCollision(k + 1)) {
        const i = start + k;
        const suffixed = hit.ops;
        if (suffixed) {
          // Only templates collided: set their suffixed values in the encoded lines. A suffixed
          // template has no dependents (admitKeys), so the report needs only its two texts: the
          // one its batch summarized (the template's value, as the batch sent it) and the written.
          for (const [id, op] of suffixed) {
            const path = compiled.nodes[id]!.path;
            const v = (op as { v: unknown }).v;
            for (const f of Object.keys(out.lines) as Format[]) set(f, k, patchers[f]!(current(f, k), path, v));
            refFields.forEach((p, r) => p === path && (out.refValues[r]![k] = v));
            if (changed) changed.texts.push({ path, before: templateValue(k * u + uniqueAt.get(id)!), after: v as string });
          }
          continue;
        }
        // A drawn field collided: rebuild the record here (same bytes as the worker's), redraw, re-encode.
        const rec = await generated(i);
        if (changed) changed.before.push(structuredClone(rec));
        unique.admit(rec, i);
        if (changed) changed.after.push(rec);
        for (const f of Object.keys(out.lines) as Format[]) set(f, k, encoders[f]!(rec));
        refPaths.forEach((segs, r) => (out.refValues[r]![k] = getPath(rec, segs)));
      }
      return changed;
    },
  };
}

function relativeFiles(datasets: Record<string, DatasetManifest>, dir: string): Record<string, DatasetManifest> {
  for (const m of Object.values(datasets)) m.files = m.files.map((f) => ({ ...f, path: f.path.slice(dir.length).replace(/^[/\\]/, '') }));
  return datasets;
}

/**
 * The events a committed batch adds to the run's log, in a fixed order: its backend calls (in the
 * order they were made) and host state changes, routing decisions, audit verdict, rejects by
 * reason, then the commit itself.
 */
function batchEvents(dataset: string, batch: number, out: BatchOutput, written: number, routed: Array<DecisionLine & { verdicts: RouteVerdict[] }>): RunEvent[] {
  const at = Date.now();
  const events: RunEvent[] = [...(out.events ?? [])];
  for (const r of out.routing) events.push({ type: 'routing_decision', at, dataset: r.dataset, batch: r.batch, backend: r.backend, reason: r.reason });
  for (const l of routed) events.push({ type: 'routing_decision', at, dataset, batch, backend: l.chosen, reason: l.reason, step: l.step, fields: l.fields, policy: l.policy, estCost: l.estCost, actualCost: l.actualCost, verdicts: l.verdicts });
  if (out.audit) {
    const a = out.audit;
    const regen = a.regeneratedBatches.find((x) => x.batch === batch);
    events.push({
      type: 'audit_verdict', at, dataset, batch, sampled: a.sampled, enrichFailures: a.enrichFailures, audited: a.audited, defects: a.defects, auditErrors: a.auditErrors,
      ...(regen ? { regenerated: regen.defectRate } : {}), ...(a.sampleProblems.length ? { problems: a.sampleProblems } : {}),
    });
  }
  if (out.rejects.length) {
    const reasons: Record<string, number> = {};
    for (const r of out.rejects) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
    events.push({ type: 'reject', at, dataset, batch, count: out.rejects.length, reasons });
  }
  const tokensOut = Object.values(out.backends).reduce((n, b) => n + b.tokensOut, 0);
  events.push({
    type: 'batch_committed', at, dataset, batch, records: out.count, written, rejected: out.rejects.length, tokensOut,
    ...(out.host ? { host: out.host } : {}), ...(out.busyMs !== undefined && out.host ? { busyMs: Math.round(out.busyMs) } : {}),
  });
  return events;
}

/** The manifest's backends: what the caller knows of each (provider, model), with the figures folded from the events. */
function backendsSection(base: Manifest['backends'], record: RunRecord): Manifest['backends'] {
  const out: Manifest['backends'] = {};
  for (const name of new Set([...Object.keys(base), ...Object.keys(record.backends)])) {
    const b = base[name];
    out[name] = { ...(b && typeof b === 'object' ? b : {}), ...manifestBackend(record.backends[name] ?? emptyBackendTotals()) };
  }
  return out;
}
