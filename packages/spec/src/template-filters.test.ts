import { describe, expect, it } from 'vitest';
import { placeholders, renderTemplate } from './field-paths.js';
import { parseSpecText } from './load-spec.js';

const render = (t: string, rec: Record<string, unknown>) => renderTemplate(t, (p) => rec[p]);

describe('template filters', () => {
  it('make names safe for an email local part', () => {
    const rec = { first: 'Mary Ann', last: "O'Hara-Núñez " };
    expect(render('{{first | slug}}.{{last | slug}}@example.com', rec)).toBe('mary-ann.ohara-nunez@example.com');
    expect(render('{{ first|slug }}', { first: "  D'Angelo  " })).toBe('dangelo');
  });

  it('ascii strips accents and transliterates letters NFKD keeps whole; other scripts are dropped', () => {
    expect(render('{{v | ascii}}', { v: 'José Ærøskøbing Straße Łódź' })).toBe('Jose AEroskobing Strasse Lodz');
    expect(render('{{v | ascii}}', { v: '山田 Ana' })).toBe(' Ana');
  });

  it('slug and ascii give the same text on their fast path (plain ASCII) as by the general rules', () => {
    const general = (s: string) =>
      s.normalize('NFKD').replace(/[^\u0000-\u007f]/g, '').toLowerCase().replace(/[^\w\s-]/g, '').replace(/[-\s]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
    for (const v of ['Ann', 'ANN123', 'x', '_ann_', '-a-', 'a b', '', "O'Hara", 'Tab\there', '~!@#', 'mIxEd9case']) {
      expect(render('{{v | slug}}', { v })).toBe(general(v));
      expect(render('{{v | ascii}}', { v })).toBe(v);
    }
  });

  it('lower, upper, trim, chained left to right; nulls render as empty text', () => {
    expect(render('[{{v | trim | upper}}]', { v: '  ab c ' })).toBe('[AB C]');
    expect(render('{{v | lower}}', { v: 'ÀB' })).toBe('àb');
    expect(render('x{{v | slug}}y', { v: null })).toBe('xy');
    expect(render('{{v}}', { v: "O'Hara" })).toBe("O'Hara");
  });

  it('a filtered placeholder still names its field (dependencies, checks)', () => {
    expect(placeholders('{{a.b | slug}}-{{c|lower|trim}}')).toEqual(['a.b', 'c']);
  });

  it('an unknown filter is a spec error naming the field and the filters there are', () => {
    const spec = "count: 2\nfields:\n  a: { kind: uuid }\n  b: { kind: template, template: '{{a | slugify}}' }\n";
    expect(() => parseSpecText(spec, 'x.yaml', { env: {} })).toThrow(
      "datasets[0].fields.b.template: unknown template filter 'slugify' (filters: lower, upper, trim, ascii, slug)",
    );
  });
});
