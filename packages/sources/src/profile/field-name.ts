/** A source column or table name as a spec field / dataset name (letters, digits, `_`; not starting with a digit). */
export function specName(name: string): string {
  const s = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}
