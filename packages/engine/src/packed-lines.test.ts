import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { assemblePacked, linesForTransfer, linesFromWire, packLines, PackedLinesBuilder } from './packed-lines.js';

describe('assemblePacked', () => {
  const p = packLines(['a\n', 'bb\n', 'ccc\n', 'dddd\n', 'e\n']);
  const lines = (x: { text: string; ends: ArrayLike<number> }) => Array.from(x.ends, (e, k) => x.text.slice(k ? x.ends[k - 1]! : 0, e));
  it.each([
    ['nothing changed', [], [], ['a\n', 'bb\n', 'ccc\n', 'dddd\n', 'e\n']],
    ['dropped lines', [0, 3], [], ['bb\n', 'ccc\n', 'e\n']],
    ['replaced lines', [], [[1, 'XXXXX\n'], [4, '\n']], ['a\n', 'XXXXX\n', 'ccc\n', 'dddd\n', '\n']],
    ['both, a dropped line\'s replacement ignored', [2], [[2, 'no\n'], [3, 'D\n']], ['a\n', 'bb\n', 'D\n', 'e\n']],
  ] as const)('%s: the kept lines, each ending where `ends` says', (_, dropped, replaced, want) => {
    const out = assemblePacked(p, new Set(dropped), new Map(replaced as ReadonlyArray<[number, string]>));
    expect(lines(out)).toEqual(want);
    expect(out.text).toBe(want.join(''));
    // The same batch as a code thread's ASCII bytes: the same lines, as bytes again.
    const fromBytes = assemblePacked(linesFromWire({ bytes: Buffer.from(p.text, 'latin1'), ends: p.ends }), new Set(dropped), new Map(replaced as ReadonlyArray<[number, string]>));
    expect(Buffer.from(fromBytes.bytes!).toString('latin1')).toBe(want.join(''));
    expect(lines(fromBytes)).toEqual(want);
  });

  it('a non-ASCII line swapped into ASCII bytes gives text, its ends in UTF-16 units', () => {
    const out = assemblePacked(linesFromWire({ bytes: Buffer.from(p.text, 'latin1'), ends: p.ends }), new Set([0]), new Map([[1, 'Zoë\n']]));
    expect(out.bytes).toBeUndefined();
    expect(lines(out)).toEqual(['Zoë\n', 'ccc\n', 'dddd\n', 'e\n']);
  });
});

describe('lines across a thread', () => {
  const batch = (line: (k: number) => string) => packLines(Array.from({ length: 2000 }, (_, k) => line(k)));
  const cross = (p: ReturnType<typeof packLines>) => {
    const transfer: ArrayBuffer[] = [];
    const wire = linesForTransfer(p, transfer);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(wire, transfer);
    const got = linesFromWire(receiveMessageOnPort(port2)!.message);
    port1.close();
    return { transfer, got };
  };

  it('an ASCII batch moves as its bytes: the same text and ends on the other side', () => {
    const p = batch((k) => `${k},row ${k} of the batch,"quoted, too"\r\n`);
    const { transfer, got } = cross(p);
    expect(transfer).toHaveLength(1);
    expect(Buffer.from(got.bytes!).toString('utf8')).toBe(p.text);
    expect(got.text).toBe(p.text);
    expect(Array.from(got.ends)).toEqual(Array.from(p.ends));
    expect(assemblePacked(got, new Set([0]), undefined).text).toBe(p.text.slice(p.ends[0]));
  });

  it.each([
    ['non-ASCII text (UTF-16 ends do not index its bytes)', (k: number) => `${k},Zoë Müller\r\n`],
    ['a large non-ASCII batch (over the size that moves as bytes)', (k: number) => `${k},Zoë Müller,${'a long legacy note '.repeat(4)}\r\n`],
    ['a small batch', (k: number) => (k < 3 ? `${k}\r\n` : '')],
  ])('%s stays text', (_, line) => {
    const p = batch(line);
    const { transfer, got } = cross(p);
    expect(transfer).toHaveLength(0);
    expect(got.bytes).toBeUndefined();
    expect(got.text).toBe(p.text);
  });
});

describe('PackedLinesBuilder', () => {
  const lines = (n: number, line: (k: number) => string) => Array.from({ length: n }, (_, k) => line(k));
  const build = (ls: string[], opts?: { bytes?: boolean; bytesPerLine?: number }) => {
    const b = new PackedLinesBuilder(ls.length, opts);
    for (const l of ls) b.add(l);
    return b.done();
  };

  it.each([
    ['as text', undefined],
    ['as bytes', { bytes: true }],
    ['as bytes, its buffer regrown many times', { bytes: true, bytesPerLine: 1 }],
  ])('packs the lines %s: the same text and ends as packLines', (_, opts) => {
    const ls = lines(1000, (k) => `${k},"row, ${k}",${'x'.repeat(k % 97)}\r\n`);
    const got = build(ls, opts);
    const want = packLines(ls);
    expect(got.text).toBe(want.text);
    expect(Array.from(got.ends)).toEqual(Array.from(want.ends));
    if (opts?.bytes) expect(Buffer.from(got.bytes!).toString('latin1')).toBe(want.text);
  });

  it('non-ASCII lines built as bytes come out as text, their ends in UTF-16 units', () => {
    const ls = lines(300, (k) => (k === 200 ? 'Zoë Müller 😀\r\n' : `${k}\r\n`));
    const got = build(ls, { bytes: true, bytesPerLine: 2 });
    expect(got.bytes).toBeUndefined();
    expect(got.text).toBe(ls.join(''));
    expect(Array.from(got.ends)).toEqual(Array.from(packLines(ls).ends));
  });

  it('a batch built as bytes moves to another thread whole, without a copy', () => {
    const ls = lines(50, (k) => `${k},short\r\n`);
    const p = build(ls, { bytes: true });
    const transfer: ArrayBuffer[] = [];
    const wire = linesForTransfer(p, transfer);
    expect(transfer).toEqual([p.bytes!.buffer]);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(wire, transfer);
    const got = linesFromWire(receiveMessageOnPort(port2)!.message);
    port1.close();
    expect(got.text).toBe(ls.join(''));
    expect(Array.from(got.ends)).toEqual(Array.from(p.ends));
  });
});
