import { createReadStream } from 'node:fs';

/** One line of a file: its text (UTF-8, without the line break) and where the next line starts. */
export interface ByteLine {
  text: string;
  /** 1-based line number. */
  line: number;
  /** Byte offset just past this line's `\n`. */
  end: number;
}

/** Lines of a file from byte `start` (a line start), with byte offsets, streaming. */
export async function* byteLines(path: string, start: number, firstLine: number): AsyncIterable<ByteLine> {
  let carry: Buffer[] = [];
  let carryLen = 0;
  let offset = start;
  let line = firstLine;
  for await (const chunk of createReadStream(path, { start }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, i);
      const buf = carryLen ? Buffer.concat([...carry, piece]) : piece;
      offset += buf.length + 1;
      yield { text: buf.toString('utf8').replace(/\r$/, ''), line: line++, end: offset };
      carry = [];
      carryLen = 0;
      from = i + 1;
    }
    if (from < chunk.length) {
      carry.push(chunk.subarray(from));
      carryLen += chunk.length - from;
    }
  }
  if (carryLen) {
    const buf = Buffer.concat(carry);
    offset += buf.length;
    yield { text: buf.toString('utf8').replace(/\r$/, ''), line, end: offset };
  }
}
