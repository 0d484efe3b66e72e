import { open } from 'node:fs/promises';

/** How a CSV file is written: what RFC 4180 leaves open, and what legacy exports change. */
export interface CsvDialect {
  /** Field separator: `,` (RFC 4180), `;` (spreadsheets in locales with a decimal comma), tab or `|`. */
  delimiter: string;
  /** `utf8`, or `latin1` (ISO-8859-1 / Windows-1252: one byte per character). */
  encoding: 'utf8' | 'latin1';
  /** Bytes of a byte-order mark at the start (skipped). */
  bomBytes: number;
}

const SAMPLE_BYTES = 64 * 1024;
const CANDIDATES = [',', ';', '\t', '|'];

/**
 * Sniffs a CSV file's dialect from its first 64 KiB, as Python's `csv.Sniffer` does: the
 * delimiter is the candidate found the same (non-zero) number of times outside quotes on the
 * most sample lines; the encoding is UTF-8 when the sample decodes as UTF-8, else Latin-1.
 * `encoding` / `delimiter` given by the user win.
 */
export async function sniffCsvDialect(path: string, given: Partial<CsvDialect> = {}): Promise<CsvDialect> {
  const fh = await open(path, 'r');
  let sample: Buffer;
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SAMPLE_BYTES, 0);
    sample = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const bomBytes = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf ? 3 : 0;
  const body = sample.subarray(bomBytes);
  const encoding = given.encoding ?? (bomBytes || isUtf8(body, sample.length === SAMPLE_BYTES) ? 'utf8' : 'latin1');
  const text = body.toString(encoding);
  return { delimiter: given.delimiter ?? sniffDelimiter(text), encoding, bomBytes };
}

function isUtf8(buf: Buffer, truncated: boolean): boolean {
  // A sample cut mid-character ends in an incomplete sequence: drop up to 3 trailing bytes.
  let end = buf.length;
  if (truncated) {
    let back = 0;
    while (back < 3 && end - back > 0 && (buf[end - back - 1]! & 0xc0) === 0x80) back++;
    if (end - back > 0 && buf[end - back - 1]! >= 0xc0) end = end - back - 1;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

function sniffDelimiter(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0).slice(0, 50);
  if (lines.length > 1 && !/[\r\n]$/.test(text)) lines.pop(); // the last sample line may be cut
  let best = ',';
  let bestScore = -1;
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const first = counts[0] ?? 0;
    if (first === 0) continue;
    const same = counts.filter((c) => c === first).length;
    const score = same * 1000 + first;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === d && !quoted) n++;
  }
  return n;
}

/** Windows-1252's printable characters at 0x80–0x9F, where ISO-8859-1 has control codes. */
const CP1252: Record<number, string> = {
  0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8a: 'Š', 0x8b: '‹', 0x8c: 'Œ', 0x8e: 'Ž',
  0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›', 0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
};
const C1 = /[\u0080-\u009f]/g;
const HAS_C1 = /[\u0080-\u009f]/;

/** Legacy "Latin-1" exports are nearly always Windows-1252: map its 0x80–0x9F characters. */
export function fixCp1252(s: string): string {
  return HAS_C1.test(s) ? s.replace(C1, (c) => CP1252[c.charCodeAt(0)] ?? c) : s;
}
