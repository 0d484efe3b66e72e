/**
 * A set of 53-bit integer keys in one Float64Array (open addressing, linear probing, kept at
 * most half full): 16 bytes a key at worst, against ~50 for a JS Set of numbers. A unique
 * field of a million records costs 16-32 MB here, not 70.
 */
export class KeySet {
  private slots: Float64Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = new Float64Array(n);
    this.mask = n - 1;
  }

  has(key: number): boolean {
    const stored = key + 1; // 0 marks an empty slot
    for (let i = slot(key, this.mask); ; i = (i + 1) & this.mask) {
      const v = this.slots[i]!;
      if (v === 0) return false;
      if (v === stored) return true;
    }
  }

  add(key: number): void {
    this.addNew(key);
  }

  /** Adds `key`; false when it was already there (one probe sequence for both). */
  addNew(key: number): boolean {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    if (!this.insert(this.slots, this.mask, key + 1)) return false;
    this.size++;
    return true;
  }

  private insert(slots: Float64Array, mask: number, stored: number): boolean {
    for (let i = slot(stored - 1, mask); ; i = (i + 1) & mask) {
      const v = slots[i]!;
      if (v === stored) return false;
      if (v === 0) {
        slots[i] = stored;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.mask = this.slots.length - 1;
    for (const v of old) if (v !== 0) this.insert(this.slots, this.mask, v);
  }
}

function slot(key: number, mask: number): number {
  // Mix both halves of the 53-bit key; the low bits alone may be patterned.
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / 4294967296) | 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & mask;
}

/**
 * A map from 53-bit integer keys to small non-negative integers, laid out like {@link KeySet}
 * (plus a Uint32Array of values): ~24 bytes an entry against ~80 for a Map.
 */
export class KeyMap {
  private keys: Float64Array;
  private values: Uint32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Float64Array(n);
    this.values = new Uint32Array(n);
    this.mask = n - 1;
  }

  get(key: number): number | undefined {
    const stored = key + 1;
    for (let i = slot(key, this.mask); ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === 0) return undefined;
      if (k === stored) return this.values[i];
    }
  }

  set(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    if (this.put(this.keys, this.values, this.mask, key + 1, value)) this.size++;
  }

  private put(keys: Float64Array, values: Uint32Array, mask: number, stored: number, value: number): boolean {
    for (let i = slot(stored - 1, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === stored || k === 0) {
        keys[i] = stored;
        values[i] = value;
        return k === 0;
      }
    }
  }

  private grow(): void {
    const [oldKeys, oldValues] = [this.keys, this.values];
    this.keys = new Float64Array(oldKeys.length * 2);
    this.values = new Uint32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.put(this.keys, this.values, this.mask, oldKeys[i]!, oldValues[i]!);
  }
}
