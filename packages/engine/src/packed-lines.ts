/**
 * A batch's encoded lines as one string plus where each line ends. One string crosses the
 * thread boundary and survives until commit instead of hundreds: cheaper to clone and far
 * cheaper for the garbage collector. Lines are cut out only to change one (a suffixed template).
 */
export interface PackedLines {
  text: string;
  /** `ends[k]` is where line k ends in `text` (UTF-16 index). */
  ends: Uint32Array;
}

export function packLines(lines: readonly string[]): PackedLines {
  const ends = new Uint32Array(lines.length);
  let at = 0;
  for (let k = 0; k < lines.length; k++) ends[k] = at += lines[k]!.length;
  return { text: lines.join(''), ends };
}

/**
 * Packs lines as they are made, one line per record: what a code thread fills. Every
 * {@link FLAT_EVERY} lines are joined into one flat string. (A string grown by `+=` for a whole
 * batch is a tree of thousands of small strings that stays alive until the batch ends, and every
 * young-generation collection meanwhile copied all of it: the largest part of a code thread's GC.)
 */
export class PackedLinesBuilder {
  private readonly chunks: string[] = [];
  private pending: string[] = [];
  private length = 0;
  private readonly ends: Uint32Array;
  private k = 0;

  constructor(lines: number) {
    this.ends = new Uint32Array(lines);
  }

  add(line: string): void {
    this.pending.push(line);
    this.length += line.length;
    this.ends[this.k++] = this.length;
    if (this.pending.length === FLAT_EVERY) this.flush();
  }

  done(): PackedLines {
    this.flush();
    return { text: this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join(''), ends: this.ends };
  }

  private flush(): void {
    if (!this.pending.length) return;
    this.chunks.push(this.pending.join(''));
    this.pending = [];
  }
}

/** Lines joined into one flat string at a time by {@link PackedLinesBuilder}. */
const FLAT_EVERY = 64;

export function lineAt(p: PackedLines, k: number): string {
  return p.text.slice(k ? p.ends[k - 1]! : 0, p.ends[k]!);
}

/**
 * The batch's lines without `dropped` ones and with `replaced` ones swapped in, with where each
 * kept line ends (a writer cuts files at record counts). The batch itself when nothing changes.
 */
export function assemblePacked(p: PackedLines, dropped: ReadonlySet<number>, replaced: ReadonlyMap<number, string> | undefined): PackedLines {
  if (!dropped.size && !replaced?.size) return p;
  // Unchanged runs of lines are copied as one slice; a kept line's end moves by what changed before it.
  const parts: string[] = [];
  const ends = new Uint32Array(p.ends.length - dropped.size);
  let from = 0;
  let shift = 0;
  let n = 0;
  for (let k = 0; k < p.ends.length; k++) {
    const start = k ? p.ends[k - 1]! : 0;
    const end = p.ends[k]!;
    const r = dropped.has(k) ? undefined : replaced?.get(k);
    if (dropped.has(k) || r !== undefined) {
      if (start > from) parts.push(p.text.slice(from, start));
      from = end;
      if (r === undefined) {
        shift -= end - start;
        continue;
      }
      parts.push(r);
      shift += r.length - (end - start);
    }
    ends[n++] = end + shift;
  }
  parts.push(p.text.slice(from));
  return { text: parts.join(''), ends };
}
