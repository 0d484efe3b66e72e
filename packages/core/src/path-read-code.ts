/**
 * JavaScript statements that leave in `v` (declared by the caller) the value at a dot path of the
 * object named `source`: undefined where the path is missing or crosses a non-object. For code
 * made once per dataset, where each column's read is a property load of its own and stays
 * monomorphic (a record's shape is the same for the whole dataset). Segments reach the code as
 * JSON string literals only (a string literal in JavaScript for any text): nothing of a spec is
 * evaluated.
 */
export function pathReadCode(segs: readonly string[], source: string): string {
  const key = (s: string) => `[${JSON.stringify(s)}]`;
  return `v = ${source}${key(segs[0]!)};${segs.slice(1).map((s) => ` v = v !== null && typeof v === 'object' ? v${key(s)} : undefined;`).join('')}`;
}
