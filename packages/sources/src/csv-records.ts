import type { CsvDialect } from './csv-dialect.js';

/** A field as read: its text, or `null` for an empty unquoted field (`""` is the empty string). */
export type CsvField = string | null;

/** Where parsing starts: a record boundary's byte offset and line number (1-based). */
export interface CsvPosition {
  byte: number;
  line: number;
}

/** A record with its first line, the byte just past it and the line after it; or a malformed record. */
export type CsvRecord =
  | { fields: CsvField[]; line: number; end: number; nextLine: number }
  | { error: string; line: number };

/**
 * An empty unquoted field is NULL, a quoted empty field (`""`) the empty string: how synthfarm's
 * CSV output writes them apart, and how PostgreSQL's `COPY … CSV` reads them. Any other field is
 * its text, as written. (A `cast` for csv-parse that reads synthfarm's CSV as the source does.)
 */
export function castCsvField(value: string, context: { quoting: boolean }): CsvField {
  return value === '' && !context.quoting ? null : value;
}

/** What to read: `decode: false` finds records and their offsets only (fields left empty), for an index pass. */
export interface CsvReadOptions {
  decode?: boolean;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const NO_FIELDS: CsvField[] = [];

/**
 * Records of a CSV byte stream from `from`, a chunk's worth at a time, parsed incrementally (a record may span chunks; no
 * byte is scanned twice). RFC 4180 plus what legacy exports do: a quote inside an unquoted field
 * is a literal quote, CRLF or LF line ends, blank lines skipped. A record with text after a
 * closing quote is a malformed record at its line, and reading goes on at the next line; an
 * unclosed quote makes the rest of the file one malformed record.
 *
 * Hand-written rather than csv-parse because a migration needs, per record, the byte offset (for
 * the range index) and, per field, whether it was quoted (NULL vs ""): csv-parse gives those only
 * through `info` and `cast`, which build three context objects per field (about 25 µs a field:
 * 44 s for 200,000 ten-column rows, where this reads them in about 1 s). A record is decoded with
 * one call when it is ASCII (or Latin-1) and cut into fields by offset.
 * test: csv-records.test.ts holds it to csv-parse with {@link castCsvField} on the same inputs.
 */
export async function* csvRecords(chunks: AsyncIterable<Buffer>, d: CsvDialect, from: CsvPosition, opts: CsvReadOptions = {}): AsyncIterable<CsvRecord[]> {
  const decode = opts.decode !== false;
  const delim = d.delimiter.charCodeAt(0);
  const latin1 = d.encoding === 'latin1';
  // Bytes not yet consumed: acc[0] is at absolute offset `base`; the current record starts at `rec`.
  let acc = Buffer.alloc(0);
  let len = 0;
  let base = from.byte;
  let rec = 0;
  let pos = 0; // next byte to scan
  let line = from.line; // line of the byte at `pos`
  let recLine = line;
  // The current record's fields so far: value offsets in `acc`, and 1 = quoted, 2 = holds "".
  const starts: number[] = [];
  const ends: number[] = [];
  const flags: number[] = [];
  let fieldStart = 0;
  let quoted = false; // the field began with a quote
  let inQuotes = false; // the scan is between its quotes
  let closeAt = -1; // its closing quote's offset, once seen
  let escapes = false;
  let high = false; // the record has a byte >= 0x80 (not ASCII)
  let error: string | undefined;
  // The first quote at or after `pos` in acc[0, len), or `len` when there is none there; -1: look again.
  let nextQuote = -1;
  const delimChar = d.delimiter;

  const endField = (end: number): void => {
    starts.push(quoted ? fieldStart + 1 : fieldStart);
    ends.push(closeAt >= 0 ? closeAt : end);
    flags.push((quoted ? 1 : 0) | (escapes ? 2 : 0));
    quoted = inQuotes = escapes = false;
    closeAt = -1;
  };
  const fields = (): CsvField[] => {
    if (!decode) return NO_FIELDS;
    const n = starts.length;
    const out: CsvField[] = new Array(n);
    // One decode per record (ASCII reads the same as Latin-1), cut by offset; else one per field.
    const whole = latin1 || !high ? acc.toString('latin1', rec, ends[n - 1]) : undefined;
    for (let i = 0; i < n; i++) {
      let v = whole !== undefined ? whole.substring(starts[i]! - rec, ends[i]! - rec) : acc.toString('utf8', starts[i], ends[i]);
      const f = flags[i]!;
      if (f & 2) v = v.replaceAll('""', '"');
      out[i] = f & 1 || v !== '' ? v : null;
    }
    return out;
  };
  const nextRecord = (): void => {
    starts.length = ends.length = flags.length = 0;
    quoted = inQuotes = escapes = high = false;
    closeAt = -1;
    error = undefined;
    rec = fieldStart = pos;
    recLine = line;
  };

  for await (const chunk of chunks) {
    if (nextQuote >= len) nextQuote = -1; // "none before len": more bytes are coming
    if (rec > 0) {
      // Keep only the record in progress, at the front.
      acc.copyWithin(0, rec, len);
      len -= rec;
      pos -= rec;
      fieldStart -= rec;
      if (closeAt >= 0) closeAt -= rec;
      if (nextQuote >= 0) nextQuote -= rec;
      for (let i = 0; i < starts.length; i++) {
        starts[i]! -= rec;
        ends[i]! -= rec;
      }
      base += rec;
      rec = 0;
    }
    if (len + chunk.length > acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(acc.length * 2, len + chunk.length, 64 * 1024));
      acc.copy(grown, 0, 0, len);
      acc = grown;
    }
    chunk.copy(acc, len);
    len += chunk.length;
    const out: CsvRecord[] = [];

    while (pos < len) {
      if (pos === rec) {
        // A record with no quote in it (most are): found with two native searches, decoded once and
        // cut at the delimiters, where the byte loop below costs ~20 ns a byte.
        if (nextQuote < pos) {
          nextQuote = acc.indexOf(QUOTE, pos);
          if (nextQuote < 0 || nextQuote > len) nextQuote = len;
        }
        const lf = acc.indexOf(LF, pos);
        if (lf >= 0 && lf < len && lf < nextQuote) {
          const end = lf > pos && acc[lf - 1] === CR ? lf - 1 : lf;
          line++;
          pos = lf + 1;
          if (end > rec) out.push({ fields: decode ? plainFields(acc, rec, end, latin1, delimChar) : NO_FIELDS, line: recLine, end: base + pos, nextLine: line });
          rec = fieldStart = pos;
          recLine = line;
          continue;
        }
      }
      const c = acc[pos]!;
      if (inQuotes) {
        if (c === QUOTE) {
          if (pos + 1 === len) break; // closing, or the first of a pair: the next chunk says
          if (acc[pos + 1] === QUOTE) {
            escapes = true;
            pos += 2;
            continue;
          }
          inQuotes = false;
          closeAt = pos;
        } else if (c === LF) line++;
        else if (c >= 0x80) high = true;
        pos++;
        continue;
      }
      if (c === LF) {
        const end = pos > fieldStart && acc[pos - 1] === CR ? pos - 1 : pos;
        line++;
        pos++;
        if (error !== undefined) out.push({ error, line: recLine });
        else if (starts.length > 0 || quoted || end > fieldStart) {
          endField(end);
          out.push({ fields: fields(), line: recLine, end: base + pos, nextLine: line });
        } // else a blank line, skipped (csv-parse's skip_empty_lines)
        nextRecord();
        continue;
      }
      if (error === undefined) {
        if (c === delim) {
          endField(pos);
          fieldStart = pos + 1;
        } else if (closeAt >= 0) {
          if (c !== CR) error = `Invalid Closing Quote: got "${String.fromCharCode(c)}" after the closing quote of field ${starts.length + 1}`;
        } else if (c === QUOTE && pos === fieldStart) quoted = inQuotes = true;
        else if (c >= 0x80) high = true;
      }
      pos++;
    }
    if (out.length) yield out;
  }
  if (inQuotes && pos < len) {
    // The file's last byte closes the quoted field.
    inQuotes = false;
    closeAt = pos++;
  }
  if (inQuotes) {
    yield [{ error: `Quote Not Closed: the quoted field starting on line ${recLine} is not closed before the end of the file`, line: recLine }];
    return;
  }
  if (error !== undefined) {
    yield [{ error, line: recLine }];
    return;
  }
  // The last record, with no line break after it.
  const end = pos > fieldStart && acc[pos - 1] === CR ? pos - 1 : pos;
  if (starts.length > 0 || quoted || end > fieldStart) {
    endField(end);
    yield [{ fields: fields(), line: recLine, end: base + pos, nextLine: line }];
  }
}

/** The fields of a record holding no quote: its bytes [from, to) decoded once, cut at each delimiter (an empty field is null). */
function plainFields(acc: Buffer, from: number, to: number, latin1: boolean, delim: string): CsvField[] {
  const text = acc.toString(latin1 ? 'latin1' : 'utf8', from, to);
  const out: CsvField[] = [];
  let at = 0;
  for (;;) {
    const next = text.indexOf(delim, at);
    const end = next < 0 ? text.length : next;
    out.push(end > at ? text.substring(at, end) : null);
    if (next < 0) return out;
    at = next + 1;
  }
}
