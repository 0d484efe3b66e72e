import type { FileInfo } from './atomic-file.js';
import type { Lines } from './file-store.js';

/**
 * One file of a dataset (the whole dataset, or one part of a split one) in one format. Lines come
 * in record order; a commit point records {@link position} after an append, before the next one.
 */
export interface PartWriter {
  /** Appends lines `from` (inclusive) to `to` (exclusive) of `lines`. */
  append(lines: Lines, from: number, to: number): Promise<void>;
  /** What a resume needs to carry on from here: byte offsets by key ('' the file itself). */
  position(): Record<string, number>;
  /** Completes the file and renames it into the staging directory. */
  commit(): Promise<FileInfo>;
  /** The run failed or stopped (a resumable part file is kept for a resume). */
  discard(): Promise<void>;
}

/** Where a resumed part carries on: records already in it, and its position at the commit point. */
export interface PartResume {
  rows: number;
  position: Record<string, number>;
}

/** Lines `from`..`to` of `lines` as one string. */
export function sliceLines(lines: Lines, from: number, to: number): string {
  if (to <= from) return '';
  const start = from ? lines.ends[from - 1]! : 0;
  if (start === 0 && to === lines.ends.length && lines.ends[to - 1] === lines.text.length) return lines.text;
  return lines.text.slice(start, lines.ends[to - 1]!);
}

/**
 * Lines [from, to) for a plain file: all of them as their bytes when they come with bytes (no
 * encoding of the text for the file's digest and again for the file), else {@link sliceLines}.
 */
export function sliceBytes(lines: Lines, from: number, to: number): string | Uint8Array {
  if (lines.bytes && from === 0 && to === lines.ends.length && to > 0 && lines.ends[to - 1] === lines.bytes.length) return lines.bytes;
  return sliceLines(lines, from, to);
}
