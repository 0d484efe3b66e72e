import { generatedFunction, literalKey } from '@synthfarm/core/generated-function';
import type { SourceValue } from './source.js';

/** Makes a row's values object from its fields, in header order (`null` for a missing field). */
export type RowBuilder = (fields: ReadonlyArray<string | null | undefined>) => Record<string, SourceValue>;

/**
 * The row builder of a header: one object literal with the header's names as its keys, compiled
 * once per source. Why: a row made by a store per column under a name read from a variable took a
 * generic keyed store per field, the object growing out of its in-object slots on the way (~150
 * ns a row of ten columns in a microbenchmark, against ~6 for the literal), for every legacy row
 * a migration reads. Names reach the generated code as JSON string literals only: nothing of
 * the file is evaluated. A header naming `__proto__` (which a literal key, like an assignment,
 * would take for the prototype), or a process that refuses code generation, gets the same rows
 * from a loop, where it is an own property (it was dropped before: a string set as the prototype
 * is ignored).
 * `convert` maps each non-null field (Windows-1252 repair of Latin-1 text).
 * test: row-builder.test.ts holds both to the same rows, awkward names included.
 */
export function rowBuilder(header: readonly string[], convert?: (v: string) => string): RowBuilder {
  const keys = header.map(literalKey);
  const value = (i: number) => (convert ? `(v = f[${i}]) == null ? null : convert(v)` : `f[${i}] ?? null`);
  const made = keys.every((k) => k !== undefined) ? generatedFunction<RowBuilder>('row', { convert }, 'f', `let v;\nreturn {\n${keys.map((k, i) => `${k}: ${value(i)},`).join('\n')}\n};`) : undefined;
  return made ?? rowBuilderLoop(header, convert);
}

/** {@link rowBuilder} as a loop of keyed stores: for any header, in any process. */
export function rowBuilderLoop(header: readonly string[], convert?: (v: string) => string): RowBuilder {
  return (fields) => {
    const values: Record<string, SourceValue> = {};
    for (let i = 0; i < header.length; i++) {
      const v = fields[i] ?? null;
      const value = v !== null && convert ? convert(v) : v;
      // An assignment to `__proto__` would set the prototype (or, with a string, do nothing): an own property instead.
      if (header[i] === '__proto__') Object.defineProperty(values, '__proto__', { value, writable: true, enumerable: true, configurable: true });
      else values[header[i]!] = value;
    }
    return values;
  };
}
