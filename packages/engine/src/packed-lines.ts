/**
 * A batch's encoded lines as one string plus where each line ends. One string crosses the
 * thread boundary and survives until commit instead of hundreds: cheaper to clone and far
 * cheaper for the garbage collector. Lines are cut out only to change one (a suffixed template).
 */
export interface PackedLines {
  text: string;
  /** `ends[k]` is where line k ends in `text` (UTF-16 index). */
  ends: Uint32Array;
  /**
   * The same lines as UTF-8 bytes, when they came that way from a code thread (see
   * {@link linesForTransfer}): the files and the PostgreSQL sink write these, not `text`.
   */
  bytes?: Uint8Array;
}

/**
 * Packed lines as a code thread hands them over: as they are, or, when every character is ASCII,
 * as their bytes alone (so `ends` index them too), moved to the receiving thread rather than copied.
 */
export type WireLines = PackedLines | { bytes: Uint8Array; ends: Uint32Array };

/**
 * Lines worth moving as bytes: a batch's. (A small text is cheap to clone; its Buffer may also
 * be a slice of Node's shared pool, which cannot be moved.)
 */
const TRANSFER_MIN_CHARS = 64 * 1024;

/**
 * `p` for crossing to another thread; a moved buffer is added to `transfer`. Why: a batch's text
 * (~0.8 MB for 5,000 rows) cloned by postMessage cost the receiving thread 4-10 ms to rebuild as
 * a string (a fresh large-object allocation), and that thread then encoded it to UTF-8 once for
 * the file's digest, once for the file and once for PostgreSQL's COPY. As bytes, made where the
 * lines were ({@link PackedLinesBuilder} with `bytes`) or encoded here, they move without a copy
 * and are written as they are. Non-ASCII text stays text: its UTF-16 `ends` would not index the bytes.
 */
export function linesForTransfer(p: PackedLines, transfer: ArrayBuffer[]): WireLines {
  if (p.bytes) {
    // A builder's buffer is its own (never the shared pool's), and starts at its first line.
    if (p.bytes.byteOffset !== 0) return { text: p.text, ends: p.ends };
    transfer.push(p.bytes.buffer as ArrayBuffer);
    return { bytes: p.bytes, ends: p.ends };
  }
  // Non-ASCII text is told by its UTF-8 length, counted without encoding it: a builder's
  // non-ASCII lines arrive here as text, decoded once already, and encoding them again only to
  // throw the bytes away copied the batch twice more.
  if (p.text.length < TRANSFER_MIN_CHARS || Buffer.byteLength(p.text, 'utf8') !== p.text.length) return p;
  const bytes = Buffer.from(p.text, 'utf8');
  if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== bytes.length) return p;
  transfer.push(bytes.buffer as ArrayBuffer);
  return { bytes, ends: p.ends };
}

/** Lines as {@link linesForTransfer} sent them: their text is decoded from the bytes only if something reads it. */
export function linesFromWire(w: WireLines): PackedLines {
  if ('text' in w) return w;
  const { bytes, ends } = w;
  let text: string | undefined;
  return {
    bytes,
    ends,
    // ASCII: Latin-1 decoding is the text, one byte a character.
    get text() {
      return (text ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
    },
  };
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
 *
 * With `bytes`, each joined string is written at once as UTF-8 into one growing buffer outside
 * the JS heap, and dropped: what the files, the digest and COPY write, made once, where the lines
 * are made. Why: the batch's text was alive through about one young-generation collection a
 * batch (~16 MB of garbage a thread, ~5,000 rows of a migration), which copied it, and was then
 * joined once more and encoded to UTF-8 for the move to the committer (see linesForTransfer).
 * Lines that are all ASCII come out as bytes with a lazily decoded text ({@link linesFromWire});
 * others as text (their UTF-16 ends would not index the bytes).
 */
export class PackedLinesBuilder {
  private readonly chunks: string[] = [];
  private pending: string[] = [];
  private length = 0;
  private readonly ends: Uint32Array;
  private k = 0;
  private buf: Buffer | undefined;
  private at = 0;
  private ascii = true;

  /** @param bytesPerLine with `bytes`: the buffer's first size, per line (it doubles when full). */
  constructor(lines: number, opts: { bytes?: boolean; bytesPerLine?: number } = {}) {
    this.ends = new Uint32Array(lines);
    // Not from Node's shared pool: the buffer is moved to the committer's thread whole.
    if (opts.bytes) this.buf = Buffer.allocUnsafeSlow(Math.max(1024, Math.ceil(lines * (opts.bytesPerLine ?? 128))));
  }

  add(line: string): void {
    this.pending.push(line);
    this.length += line.length;
    this.ends[this.k++] = this.length;
    if (this.pending.length === FLAT_EVERY) this.flush();
  }

  done(): PackedLines {
    this.flush();
    if (!this.buf) return { text: this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join(''), ends: this.ends };
    const bytes = this.buf.subarray(0, this.at);
    return this.ascii ? linesFromWire({ bytes, ends: this.ends }) : { text: bytes.toString('utf8'), ends: this.ends };
  }

  private flush(): void {
    if (!this.pending.length) return;
    const text = this.pending.join('');
    this.pending = [];
    if (!this.buf) {
      this.chunks.push(text);
      return;
    }
    // UTF-8 takes at most 3 bytes a UTF-16 unit; counted exactly only when that may not fit.
    if (this.buf.length - this.at < text.length * 3) this.reserve(Buffer.byteLength(text, 'utf8'));
    const n = this.buf.write(text, this.at, 'utf8');
    if (n !== text.length) this.ascii = false;
    this.at += n;
  }

  private reserve(bytes: number): void {
    const buf = this.buf!;
    if (buf.length - this.at >= bytes) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, this.at + bytes));
    buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
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
 * Lines that came as ASCII bytes, with ASCII lines swapped in, stay bytes (the files and COPY
 * write them as they are; the text is decoded only if something reads it). Why: a million-row
 * migration's unique pseudonym is redrawn in most batches (legacy codes repeat), and each such
 * batch was decoded to a string, assembled, and encoded back to UTF-8 for the file, its digest and
 * COPY: the main thread's largest cost at commit, where it holds up every batch.
 */
export function assemblePacked(p: PackedLines, dropped: ReadonlySet<number>, replaced: ReadonlyMap<number, string> | undefined): PackedLines {
  if (!dropped.size && !replaced?.size) return p;
  const { bytes } = p;
  if (bytes && (!replaced || [...replaced.values()].every(isAscii))) {
    const { parts, ends } = splice(p.ends, dropped, replaced, (from, to) => bytes.subarray(from, to), (line) => Buffer.from(line, 'latin1'));
    return linesFromWire({ bytes: Buffer.concat(parts), ends });
  }
  const { parts, ends } = splice(p.ends, dropped, replaced, (from, to) => p.text.slice(from, to), (line) => line);
  return { text: parts.join(''), ends };
}

const isAscii = (line: string) => Buffer.byteLength(line, 'utf8') === line.length;

/**
 * The parts of {@link assemblePacked}'s result, in order, and its line ends: unchanged runs of lines
 * as one `slice` each (offsets in the batch's units: characters, or bytes of ASCII lines),
 * swapped-in lines as `line` makes them; a kept line's end moves by what changed before it.
 */
function splice<P>(lineEnds: Uint32Array, dropped: ReadonlySet<number>, replaced: ReadonlyMap<number, string> | undefined, slice: (from: number, to?: number) => P, line: (text: string) => P): { parts: P[]; ends: Uint32Array } {
  const parts: P[] = [];
  const ends = new Uint32Array(lineEnds.length - dropped.size);
  let from = 0;
  let shift = 0;
  let n = 0;
  for (let k = 0; k < lineEnds.length; k++) {
    const start = k ? lineEnds[k - 1]! : 0;
    const end = lineEnds[k]!;
    const r = dropped.has(k) ? undefined : replaced?.get(k);
    if (dropped.has(k) || r !== undefined) {
      if (start > from) parts.push(slice(from, start));
      from = end;
      if (r === undefined) {
        shift -= end - start;
        continue;
      }
      parts.push(line(r));
      shift += r.length - (end - start);
    }
    ends[n++] = end + shift;
  }
  parts.push(slice(from));
  return { parts, ends };
}
