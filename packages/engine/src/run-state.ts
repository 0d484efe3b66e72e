import type { RefColumns } from '@synthfarm/codegen';

/** One dataset's commit point: everything a resumed committer needs to carry on. */
export interface DatasetCommit {
  /** Batches handed to the executor. */
  produced: number;
  /** Batches written to the files, in order. */
  committed: number;
  written: number;
  rejected: number;
  /** Byte length of each output file at the commit point (`csv`, `jsonl`, `rejects`, `events`). */
  offsets: Record<string, number>;
  /** Set once the dataset's files are renamed into place. */
  finished?: boolean;
  uniqueRedraws?: number;
  /** Records generated past `count` to replace rejected ones (`refill: true`): indices count, count+1, … */
  refilled?: number;
}

/** What a commit adds to the run's counters. */
export interface CommitDelta {
  done: number;
  written: number;
  rejected: number;
}

/**
 * Where a run keeps its commit points: in memory (embedded mode; a run is not resumable), or in
 * Redis (farm mode; a resumed coordinator carries on from it). The committer is the only writer.
 */
export interface RunState {
  datasetCommit(d: number): Promise<DatasetCommit>;
  produced(d: number): Promise<number>;
  setProduced(d: number, produced: number): Promise<void>;
  /**
   * Records a commit point atomically: the dataset's pointer and offsets, the run's counters, the
   * referenced values of the batch (written records only, in order), and the source keys a transform
   * dataset's batch admitted (its duplicate detection remembers them across a resume). Called after
   * the bytes are written.
   */
  commit(d: number, c: DatasetCommit, delta: CommitDelta, refs: Array<[field: string, values: unknown[]]>, sourceKeys?: unknown[]): Promise<void>;
  /** Counts `n` records never generated (the run stopped) as done and rejected in the run's counters. */
  skipped(n: number): Promise<void>;
  /** The ref columns dataset `d` reads: the written values of the fields its refs point at. */
  refColumns(d: number): Promise<RefColumns>;
  /**
   * The source keys dataset `d`'s committed batches admitted, in commit order: what a resumed
   * committer's duplicate-key filter starts from (DESIGN §9). Empty for a state that does not
   * outlive its committer.
   */
  sourceKeys(d: number): Promise<unknown[]>;
}

export function emptyCommit(): DatasetCommit {
  return { produced: 0, committed: 0, written: 0, rejected: 0, offsets: {} };
}
