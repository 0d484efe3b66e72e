/**
 * Splits one RFC 4180 line (as csv-stringify wrote it, CRLF included or not) back into its
 * cells: the exact inverse of quoting. Used to change one cell of an encoded record.
 */
export function parseCsvLine(line: string): string[] {
  const end = line.endsWith('\r\n') ? line.length - 2 : line.length;
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0 || q >= end) throw new Error('unterminated quoted cell');
        cell += line.slice(i, q);
        if (line[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(cell);
    } else {
      const comma = line.indexOf(',', i);
      const stop = comma < 0 || comma >= end ? end : comma;
      cells.push(line.slice(i, stop));
      i = stop;
    }
    if (i >= end) return cells;
    if (line[i] !== ',') throw new Error(`expected ',' at ${i}`);
    i++;
  }
}
