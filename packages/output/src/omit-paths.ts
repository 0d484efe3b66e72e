import type { OutRecord } from './sink.js';

/**
 * A record without some dot paths (`hidden: true` fields): the objects along each path are
 * copied, the rest shared, so the record itself is left as it was (its helper values may still
 * be read after encoding). Key order of what remains is kept.
 */
export function omitPaths(rec: OutRecord, paths: readonly string[][]): OutRecord {
  let out = rec;
  for (const segs of paths) out = omitOne(out, segs, 0, rec);
  return out;
}

function omitOne(o: OutRecord, segs: string[], i: number, original: OutRecord): OutRecord {
  const key = segs[i]!;
  if (!Object.hasOwn(o, key)) return o;
  const copy: OutRecord = o === original || i > 0 ? { ...o } : o;
  if (i === segs.length - 1) {
    delete copy[key];
    return copy;
  }
  const child = o[key];
  if (child === null || typeof child !== 'object' || Array.isArray(child)) return o;
  copy[key] = omitOne(child as OutRecord, segs, i + 1, original);
  return copy;
}
