/**
 * The written values of a referenced field, shared with worker threads without copying.
 * A `ref` picks index j of this column, so every foreign key exists in the referenced
 * dataset's output (rejected and null rows are never in it).
 */
export type SharedColumnData =
  | { type: 'number'; values: Float64Array }
  | { type: 'json'; offsets: Uint32Array; bytes: Uint8Array };

export class SharedColumn {
  readonly length: number;
  constructor(readonly data: SharedColumnData) {
    this.length = data.type === 'number' ? data.values.length : data.offsets.length - 1;
  }

  /** Packs values into SharedArrayBuffers: numbers as float64, anything else as JSON text. */
  static from(values: readonly unknown[]): SharedColumn {
    if (values.every((v) => typeof v === 'number')) {
      const arr = new Float64Array(new SharedArrayBuffer(values.length * 8));
      arr.set(values as number[]);
      return new SharedColumn({ type: 'number', values: arr });
    }
    const encoded = values.map((v) => Buffer.from(JSON.stringify(v), 'utf8'));
    const total = encoded.reduce((n, b) => n + b.length, 0);
    const offsets = new Uint32Array(new SharedArrayBuffer((values.length + 1) * 4));
    const bytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, total)));
    let at = 0;
    encoded.forEach((b, i) => {
      offsets[i] = at;
      bytes.set(b, at);
      at += b.length;
    });
    offsets[values.length] = at;
    return new SharedColumn({ type: 'json', offsets, bytes });
  }

  get(j: number): unknown {
    const d = this.data;
    if (d.type === 'number') return d.values[j];
    const start = d.offsets[j]!;
    const end = d.offsets[j + 1]!;
    return JSON.parse(Buffer.from(d.bytes.buffer, d.bytes.byteOffset + start, end - start).toString('utf8'));
  }
}

/** Ref columns by `dataset.field`, as handed to a batch. */
export type RefColumns = Record<string, SharedColumnData>;
