/** Numbers (dates as epoch ms) of a column. */
export interface NumberStats {
  min: number;
  max: number;
  sum: number;
  sumSq: number;
  /** Counts per fixed bin of the plan's `bins`. */
  bins?: number[];
  /** Values below / above the bins (or past the sketch's bucket cap). */
  under: number;
  over: number;
  /** Log-bucket counts when the plan has no bins: key `k` (positive), `-k` (negative), `z` (zero). */
  sketch?: Record<string, number>;
}

/** A column's summary over a dataset's committed batches, as report-data.json holds it. */
export interface ColumnSummary {
  /** Non-null values. */
  n: number;
  nulls: number;
  num?: NumberStats;
  /** Category counts (at most MAX_CATEGORIES values) and the count of values past the cap. */
  cats?: { counts: Record<string, number>; other: number };
  /** Text lengths, or array lengths. */
  len?: { min: number; max: number; sum: number };
  /** Arrays: counts by length (index = length). */
  lengths?: number[];
  /** `ref` columns: values looked up in the referenced column, and how many were missing. */
  fk?: { checked: number; missing: number };
  /** HyperLogLog registers of the non-null values (see hll.ts); absent for arrays. */
  hll?: string;
}

/** A dataset's summary (report-data.json): one entry per plan column, and correlation sums. */
export interface DatasetSummary {
  /** Records summarized (the written ones). */
  records: number;
  columns: ColumnSummary[];
  /**
   * Per pair (i < j) of the plan's correlated columns, in row-major order: n, Σx, Σy, Σx², Σy², Σxy
   * over records where both are numbers.
   */
  corr: number[];
}
