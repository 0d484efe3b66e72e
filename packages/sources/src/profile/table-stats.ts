import type { BloomFilter } from '../sketch/bloom-filter.js';

/** The type a profile settles on for a column. */
export type ColumnType = 'integer' | 'number' | 'date' | 'datetime' | 'boolean' | 'string';

/** What a profile learned about one column: statistics only, never a high-cardinality value. */
export interface ColumnStats {
  name: string;
  /** PostgreSQL's declared type, when the source is a database. */
  declaredType?: string;
  type: ColumnType;
  /** Rows of the table. */
  rows: number;
  /** Nulls, null sentinels (`"NULL"`, `""`, `"N/A"`, ...) included. */
  nulls: number;
  /** Which sentinels were seen, with counts. */
  sentinels: Record<string, number>;
  distinct: number;
  /** False when `distinct` is a HyperLogLog estimate. */
  distinctExact: boolean;
  /** Non-null values all distinct. */
  unique: boolean;
  /** 101 equally spaced quantiles (numbers; dates as epoch milliseconds). */
  quantiles?: number[];
  /** Most decimals seen in a number. */
  decimals?: number;
  /** Observed values and counts, only when there are few of them (a category). */
  categories?: Record<string, number>;
  /** Date formats seen, with counts (`DD/MM/YYYY: 120`). */
  dateFormats?: Record<string, number>;
  /** Number formats seen besides the plain one (`decimal-comma`, `thousands`). */
  numberFormats?: Record<string, number>;
  /** Share of true among booleans. */
  trueShare?: number;
  /** Non-null values that did not parse as the column's type (a date column's "31/02/2020"). */
  unparsed?: number;
  /** Text statistics (string columns). */
  text?: TextStats;
  /** Values strictly increasing in source order (a key written in order). */
  increasing?: boolean;
  /** A Bloom filter of the canonical values (file sources; for foreign-key inference). */
  bloom?: BloomFilter;
}

/** Shape statistics of a text column. */
export interface TextStats {
  /** Values these statistics were read from (every value up to 20,000, then 1 in 16). */
  sampled: number;
  avgLength: number;
  maxLength: number;
  minLength: number;
  avgWords: number;
  emailShare: number;
  phoneShare: number;
  uuidShare: number;
  /** Most common shapes (`AAAAA`, `(999) 999-9999`) with their counts among the sampled values, most common first. */
  shapes: Array<[string, number]>;
}

/** A foreign key: declared by a constraint, or inferred from containment of values. */
export interface ForeignKey {
  column: string;
  refTable: string;
  refColumn: string;
  source: 'constraint' | 'inferred';
}

/** What a profile learned about one table. */
export interface TableStats {
  name: string;
  /** The source, for messages. */
  label: string;
  rows: number;
  columns: ColumnStats[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
  /** Pearson correlations between numeric columns (|r| >= 0.1). */
  correlations: Array<{ a: string; b: string; r: number }>;
  /** Malformed rows: how many, and the first few with line and reason. */
  malformed: { count: number; first: Array<{ line?: number; row: number; reason: string }> };
}
