/**
 * Estimated USD per backend of a batch of `records` records of dataset `dataset`, before any
 * of it has run (the plan's model: first pass, repairs, fallbacks, enrich sample, audit and its
 * expected regenerations).
 */
export type BatchCostEstimate = (dataset: number, records: number) => Record<string, number>;

/**
 * The spending of a UTC day, shared by every run that counts against it: in Redis for a farm,
 * in memory for an embedded run (alone on its machine, it counts only its own spending).
 */
export interface DailyLedger {
  /**
   * Adds `usd` to the day's total unless that would pass the day's cap (`cap`, or the farm's
   * own cap when it is lower; no cap when both are absent). Atomic across processes. `force`
   * adds it whatever the cap (a batch already in flight).
   */
  reserve(usd: number, cap: number | undefined, force?: boolean): Promise<{ ok: boolean; day: string; total: number; cap?: number | undefined }>;
  /** Adds `usd` (negative: gives back) to day `day`'s total: a reservation settled to what it cost. */
  adjust(day: string, usd: number): Promise<void>;
}

/** The caps a run's spending is held to, in USD. */
export interface BudgetCaps {
  run?: number | undefined;
  perBackend: Record<string, number>;
  daily?: number | undefined;
}

/** The manifest's `budget` section: caps, what committed batches cost, and how close the estimates were. */
export interface BudgetSummary {
  caps: BudgetCaps;
  /** USD the run's committed batches cost (what the caps count once batches settle). */
  spent: number;
  spentByBackend: Record<string, number>;
  /** Batches whose cost was reserved before dispatch. */
  reservedBatches: number;
  /**
   * Most a committed batch cost beyond the reservation made for it, in USD: the caps are passed
   * by at most the sum of such overruns over the batches in flight when a cap refused one.
   */
  maxOverrunUsd: number;
  /** Why dispatching stopped, when a cap refused a batch. */
  stoppedBy?: string;
}

/**
 * A run's budgets as the committer uses them (DESIGN §8): before a batch is dispatched its
 * estimated cost is reserved against every cap; when it is committed the reservation is replaced
 * by what it cost. Because spending in flight is always counted (as its estimate), a cap is
 * passed by at most what the batches in flight cost beyond their estimates — never by whole
 * windows of batches, as a check of spending alone allows.
 */
export interface RunBudget {
  /**
   * Reserves the estimated cost of batch `batch` (`records` records) of `dataset`. Resolves to
   * undefined when reserved, or to the reason a cap refuses it (the batch is then not dispatched).
   */
  reserve(dataset: number, batch: number, records: number): Promise<string | undefined>;
  /** A batch already in flight (handed out before a resume): its estimate is held without a check. */
  hold(dataset: number, batch: number, records: number): Promise<void>;
  /** The batch was committed: its reservation becomes what it cost (`backends`, the batch's own accounting). */
  settle(dataset: number, batch: number, backends: Record<string, { cost: number }>): Promise<void>;
  /** A resumed run's spending before this session, per backend (from its events). */
  restore(spentByBackend: Record<string, number>): void;
  /** Gives back what is still reserved (batches never committed): the run is over. */
  close(): Promise<void>;
  summary(): BudgetSummary;
}

/** Options of {@link createBudgetLedger}. */
export interface BudgetLedgerOptions {
  caps: BudgetCaps;
  /** The cost model of a batch before it runs. */
  estimate: BatchCostEstimate;
  /** The day's shared spending; none: `caps.daily` is not counted. */
  daily?: DailyLedger | undefined;
  /** Names the run's cap in messages (`--max-cost` when given on the command line). Default `budgets.run`. */
  runCapName?: string;
}

interface Reservation {
  byBackend: Record<string, number>;
  total: number;
  records: number;
  /** The day the daily ledger counted it on, if it did. */
  day?: string;
}

/** USD as a person reads it: 4 decimals, or 2 significant digits below a cent (0.00031). */
const fmt = (usd: number) => String(usd >= 0.01 || usd === 0 ? Math.round(usd * 1e4) / 1e4 : Number(usd.toPrecision(2)));

/**
 * The one implementation of {@link RunBudget}. A batch's reservation per backend is the larger
 * of the static estimate and the most any committed batch of its dataset cost per record on
 * that backend: estimates learn from what the run actually spends, so an estimate that was low
 * is low for the first batches only, and the last batches are refused a little early rather
 * than late.
 */
export function createBudgetLedger(opts: BudgetLedgerOptions): RunBudget {
  const { caps } = opts;
  const spent: Record<string, number> = {};
  const inflight = new Map<string, Reservation>();
  const reserved: Record<string, number> = {};
  const observed = new Map<number, Record<string, number>>();
  let reservedBatches = 0;
  let maxOverrun = 0;
  let stoppedBy: string | undefined;
  const sum = (r: Record<string, number>) => Object.values(r).reduce((n, x) => n + x, 0);
  const runCapName = opts.runCapName ?? 'budgets.run';

  const estimateOf = (dataset: number, records: number): Record<string, number> => {
    const est = { ...opts.estimate(dataset, records) };
    for (const [b, perRecord] of Object.entries(observed.get(dataset) ?? {})) est[b] = Math.max(est[b] ?? 0, perRecord * records);
    return est;
  };
  const add = (into: Record<string, number>, from: Record<string, number>, sign = 1) => {
    for (const [b, x] of Object.entries(from)) into[b] = (into[b] ?? 0) + sign * x;
  };
  const keyOf = (dataset: number, batch: number) => `${dataset}:${batch}`;

  function refusal(dataset: number, batch: number, est: Record<string, number>): string | undefined {
    const total = sum(est);
    const what = `batch ${batch} of dataset ${dataset} (estimated ${fmt(total)} USD)`;
    if (caps.run !== undefined) {
      const s = sum(spent);
      const r = sum(reserved);
      if (s + r + total > caps.run) return `${runCapName} ${fmt(caps.run)} USD: spent ${fmt(s)} + ${fmt(r)} in flight, ${what} would pass it`;
    }
    for (const [b, cap] of Object.entries(caps.perBackend)) {
      const e = est[b] ?? 0;
      if (e === 0) continue;
      const s = spent[b] ?? 0;
      const r = reserved[b] ?? 0;
      if (s + r + e > cap) return `budgets.perBackend.${b} ${fmt(cap)} USD: ${b} spent ${fmt(s)} + ${fmt(r)} in flight, ${what} would pass it`;
    }
    return undefined;
  }

  async function hold(dataset: number, batch: number, records: number, check: boolean): Promise<string | undefined> {
    const key = keyOf(dataset, batch);
    if (inflight.has(key)) return undefined;
    const est = estimateOf(dataset, records);
    if (check) {
      const why = refusal(dataset, batch, est);
      if (why) return (stoppedBy = why);
    }
    const res: Reservation = { byBackend: est, total: sum(est), records };
    if (opts.daily) {
      const d = await opts.daily.reserve(res.total, caps.daily, !check);
      if (!d.ok) return (stoppedBy = `budgets.daily ${fmt(d.cap ?? 0)} USD: the farm spent or holds ${fmt(d.total)} today (UTC ${d.day}), batch ${batch} of dataset ${dataset} (estimated ${fmt(res.total)} USD) would pass it`);
      res.day = d.day;
    }
    inflight.set(key, res);
    add(reserved, est);
    reservedBatches++;
    return undefined;
  }

  return {
    reserve: (dataset, batch, records) => hold(dataset, batch, records, true),
    hold: async (dataset, batch, records) => void (await hold(dataset, batch, records, false)),
    async settle(dataset, batch, backends) {
      const key = keyOf(dataset, batch);
      const res = inflight.get(key);
      const actual = Object.fromEntries(Object.entries(backends).map(([b, d]) => [b, d.cost]));
      add(spent, actual);
      if (!res) return;
      inflight.delete(key);
      add(reserved, res.byBackend, -1);
      const cost = sum(actual);
      maxOverrun = Math.max(maxOverrun, cost - res.total);
      const seen = observed.get(dataset) ?? {};
      for (const [b, x] of Object.entries(actual)) if (res.records > 0) seen[b] = Math.max(seen[b] ?? 0, x / res.records);
      observed.set(dataset, seen);
      if (res.day !== undefined && cost !== res.total) await opts.daily!.adjust(res.day, cost - res.total);
    },
    restore(before) {
      add(spent, before);
    },
    async close() {
      const left = [...inflight.values()];
      inflight.clear();
      for (const r of left) {
        add(reserved, r.byBackend, -1);
        if (r.day !== undefined && r.total > 0) await opts.daily!.adjust(r.day, -r.total).catch(() => undefined);
      }
    },
    summary: () => ({
      caps,
      spent: round(sum(spent)),
      spentByBackend: Object.fromEntries(Object.entries(spent).map(([b, x]) => [b, round(x)])),
      reservedBatches,
      maxOverrunUsd: round(Math.max(0, maxOverrun)),
      ...(stoppedBy ? { stoppedBy } : {}),
    }),
  };
}

/** A day ledger in this process: what an embedded run counts its own `budgets.daily` with. */
export function createMemoryDailyLedger(now: () => Date = () => new Date()): DailyLedger {
  const totals = new Map<string, number>();
  return {
    async reserve(usd, cap, force) {
      const day = now().toISOString().slice(0, 10);
      const total = totals.get(day) ?? 0;
      if (!force && cap !== undefined && total + usd > cap) return { ok: false, day, total, cap };
      totals.set(day, total + usd);
      return { ok: true, day, total: total + usd, cap };
    },
    async adjust(day, usd) {
      totals.set(day, (totals.get(day) ?? 0) + usd);
    },
  };
}

function round(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}
