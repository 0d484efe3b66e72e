import { AtomicFile, type FileInfo } from './atomic-file.js';

/** A record that could not be made valid: written to rejects.jsonl, never dropped. */
export interface Reject {
  dataset: string;
  index: number;
  /** Short machine-readable reason, e.g. `invalid_model_output`, `backend_unavailable`. */
  reason: string;
  /** The last error, for a human. */
  error: string;
  /** How many attempts were made on it (repairs and escalations included). */
  attempts?: number;
  /** Lineage of a transform dataset's reject: the source's name, the row's source key, its line in a file. */
  source?: string;
  sourceKey?: unknown;
  line?: number;
  /** The record as far as it got, when there is one. */
  record?: OutRecord | null;
}
type OutRecord = Record<string, unknown>;

/** rejects.jsonl: one line per rejected record, in commit order. */
export class RejectsSink {
  private readonly file: AtomicFile;
  count = 0;
  constructor(path: string) {
    this.file = new AtomicFile(path);
  }
  async write(rejects: readonly Reject[]): Promise<void> {
    if (!rejects.length) return;
    this.count += rejects.length;
    await this.file.write(rejects.map((r) => JSON.stringify(r) + '\n').join(''));
  }
  commit(): Promise<FileInfo> {
    return this.file.commit();
  }
  abort(): Promise<void> {
    return this.file.abort();
  }
}
