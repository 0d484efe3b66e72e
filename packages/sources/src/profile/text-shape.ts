/** `ALFKI` → `AAAAA`, `(030) 555-0142` → `(999) 999-9999`: the shape of a value, for patterns. Cut at 40 characters. */
export function shapeOf(s: string): string {
  let out = '';
  const n = Math.min(s.length, 41);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += '9';
    else if (c >= 65 && c <= 90) out += 'A';
    else if (c >= 97 && c <= 122) out += 'a';
    else if (c > 127 && s[i]!.toLowerCase() !== s[i]!.toUpperCase()) out += s[i] === s[i]!.toUpperCase() ? 'A' : 'a';
    else out += s[i];
  }
  return s.length > 40 ? '…' : out;
}

export const EMAIL = /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/;
export const PHONE = /^\+?[\d\s().\/-]{7,24}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const charCodeAt = String.prototype.charCodeAt;

/** Digits in a string. */
export function digitCount(s: string): number {
  let n = 0;
  // The method and length looked up once (a megamorphic lookup per character otherwise: see the report's hashString).
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = charCodeAt.call(s, i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
