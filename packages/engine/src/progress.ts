/** Progress of a run, reported after every committed batch. */
export interface Progress {
  dataset: string;
  /** Records committed (written or rejected) over all datasets so far. */
  done: number;
  total: number;
  written: number;
  rejected: number;
  /** Output tokens the model stages spent so far. */
  tokensOut?: number;
  /** Rates of this run (or resumed session) from its committed batches only; absent before the first commit. */
  recordsPerSec?: number;
  tokensPerSec?: number;
  etaSeconds?: number;
}
