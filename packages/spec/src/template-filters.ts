/**
 * Filters a template placeholder may pipe its value through, Liquid/Jinja style:
 * `{{lastName | slug}}`, applied left to right. Each takes the value's text and returns text.
 */
export const TEMPLATE_FILTERS = {
  /** Lower case. */
  lower: (s: string) => s.toLowerCase(),
  /** Upper case. */
  upper: (s: string) => s.toUpperCase(),
  /** Leading and trailing whitespace removed. */
  trim: (s: string) => s.trim(),
  /** Latin letters without their accents (`José` → `Jose`, `Straße` → `Strasse`); other non-ASCII characters removed. */
  ascii,
  /**
   * Django's `slugify`: ASCII, lower case, characters other than letters, digits, `_`, `-` and
   * spaces removed (`O'Hara` → `ohara`), runs of spaces and `-` turned into one `-`, leading
   * and trailing `-`/`_` stripped (`Mary Ann` → `mary-ann`). Safe in an email's local part.
   */
  slug: (s: string) =>
    // Most names are letters and digits only: nothing to strip or join, the same text lower-cased.
    PLAIN.test(s)
      ? s.toLowerCase()
      : ascii(s)
      .toLowerCase()
      .replace(/[^\w\s-]/g, '')
      .replace(/[-\s]+/g, '-')
      .replace(/^[-_]+|[-_]+$/g, ''),
} satisfies Record<string, (s: string) => string>;

/** A filter's name. */
export type TemplateFilterName = keyof typeof TEMPLATE_FILTERS;

/** Letters NFKD does not split into a base letter and a mark. */
const TRANSLITERATE: Record<string, string> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L',
  đ: 'd', Đ: 'D', ð: 'd', Ð: 'D', þ: 'th', Þ: 'TH', ı: 'i', ĸ: 'k', ŋ: 'ng', Ŋ: 'NG',
};

/** Letters and digits only: what `slug` leaves as it is, apart from case. */
const PLAIN = /^[A-Za-z0-9]+$/;

function ascii(s: string): string {
  // NFKD leaves ASCII text as it is: skip it (and the replace) for the common case.
  if (isAscii(s)) return s;
  return s
    .normalize('NFKD')
    .replace(/[^\u0000-\u007f]/g, (c) => TRANSLITERATE[c] ?? '');
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** True when `name` is a filter templates know. */
export function isTemplateFilter(name: string): name is TemplateFilterName {
  return Object.hasOwn(TEMPLATE_FILTERS, name);
}
