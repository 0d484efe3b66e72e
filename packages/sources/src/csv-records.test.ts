import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { castCsvField, csvRecords, type CsvRecord } from './csv-records.js';

const UTF8 = { delimiter: ',', encoding: 'utf8', bomBytes: 0 } as const;

/** All records of `text`, fed in chunks of `size` bytes (every chunk boundary is a case). */
async function records(text: string | Buffer, size: number, dialect = UTF8): Promise<CsvRecord[]> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  async function* chunks(): AsyncIterable<Buffer> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const out: CsvRecord[] = [];
  for await (const rs of csvRecords(chunks(), dialect, { byte: 0, line: 1 })) out.push(...rs);
  return out;
}

const WELL_FORMED = [
  'a,b,c\n1,2,3\n',
  'a,b\r\n1,2\r\n',
  'a,b\n1,2',
  'a,b\n,\n"",""\n"x",\n',
  'a,b\n"he said ""hi""",2\n"multi\nline\r\nfield",3\n',
  'a,b\n\n1,2\n\n3,4\n',
  'a,b\r\n\r\n1,2\r\n\r\n3,4\r\n',
  'a,b\nab"c,d"e"\n',
  'a,b\n"",x\n""""""," ""q"" "\n',
  'name,note\nMüller,“quoted” ünïcödé\n日本,"a,b"\n',
  'a,b\r\n"x"\r\n',
  'a\n""\nv\n\n',
  'a,b\n"",\n',
];

describe('csvRecords', () => {
  it.each(WELL_FORMED)('reads %j as csv-parse with castCsvField does, whatever the chunk size', async (text) => {
    const expected = parse(text, { cast: castCsvField, relax_quotes: true, relax_column_count: true, skip_empty_lines: true });
    for (const size of [1, 2, 3, 5, 7, 64 * 1024]) {
      const got = await records(text, size);
      expect(got.map((r) => ('fields' in r ? r.fields : r)), `chunks of ${size}`).toEqual(expected);
    }
  });

  it('reads a long mix of plain and quoted records (the fast path for quote-free ones and the byte loop) as csv-parse does', async () => {
    // Deterministic: plain records, quoted fields with commas, quotes and line breaks, blank lines; LF, then CRLF.
    let seed = 0x1234567;
    const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const cells = ['plain', '', 'Müller', '"a,b"', '"x ""y"" z"', '"two\nlines"', '12.5', 'ab"c', '日本'];
    const rows = ['a,b,c'];
    for (let r = 0; r < 400; r++) {
      if (next(20) === 0) rows.push('');
      rows.push([0, 1, 2].map(() => cells[next(cells.length)]).join(','));
    }
    for (const eol of ['\n', '\r\n']) {
      const text = rows.map((r) => r + eol).join('');
      const expected = parse(text, { cast: castCsvField, relax_quotes: true, relax_column_count: true, skip_empty_lines: true });
      for (const size of [1, 7, 100, 1000, 64 * 1024]) {
        const got = await records(text, size);
        expect(got.map((r) => ('fields' in r ? r.fields : r)), `${JSON.stringify(eol)}, chunks of ${size}`).toEqual(expected);
      }
    }
  });

  it('gives each record its first line, the byte just past it and the next line, so a read can restart there', async () => {
    const text = 'a,b\n1,"x\ny"\n\n22,3\r\n4,5';
    const got = await records(text, 3);
    expect(got.map((r) => ('fields' in r ? [r.line, r.end, r.nextLine] : r))).toEqual([
      [1, 4, 2],
      [2, 12, 4],
      [5, 19, 6],
      [6, 22, 6],
    ]);
    // Restarting at the second record's end reads from the third on.
    async function* tail(): AsyncIterable<Buffer> {
      yield Buffer.from(text).subarray(12);
    }
    const rest: CsvRecord[] = [];
    for await (const rs of csvRecords(tail(), UTF8, { byte: 12, line: 4 })) rest.push(...rs);
    expect(rest).toEqual(got.slice(2));
  });

  it('text after a closing quote is a malformed record at its line; the next line is read', async () => {
    for (const size of [1, 4, 1024]) {
      const got = await records('a,b\n"x"y,2\n3,4\n', size);
      expect(got[1]).toEqual({ error: 'Invalid Closing Quote: got "y" after the closing quote of field 1', line: 2 });
      expect(got[2]).toMatchObject({ fields: ['3', '4'], line: 3 });
    }
  });

  it('an unclosed quote makes the rest of the file one malformed record at the line where it opens', async () => {
    const got = await records('a,b\n1,2\n3,"oops\n4,5\n', 4);
    expect(got.slice(1)).toEqual([
      { fields: ['1', '2'], line: 2, end: 8, nextLine: 3 },
      { error: 'Quote Not Closed: the quoted field starting on line 3 is not closed before the end of the file', line: 3 },
    ]);
  });

  it('decodes Latin-1 and splits on the dialect delimiter', async () => {
    const got = await records(Buffer.from('id;name\n1;M\xfcller;\n', 'latin1'), 2, { delimiter: ';', encoding: 'latin1', bomBytes: 0 });
    expect(got.map((r) => 'fields' in r && r.fields)).toEqual([['id', 'name'], ['1', 'Müller', null]]);
  });
});
