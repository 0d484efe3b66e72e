import { describe, expect, it } from 'vitest';
import type { FieldSpec } from '@synthfarm/spec';
import { compileFrom } from './compile-transform.js';
import type { GenContext } from './field-generator.js';
import { Rng } from './rng.js';

/** The date parse as it was before fixed-width formats were matched by hand: the regular expression only. */
function byRegex(formats: string[]): (s: string) => string | undefined {
  const compiled = formats.map((fmt) => {
    const order: string[] = [];
    const src = fmt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/YYYY|YY|MM|M|DD|D|HH|H|mm|ss/g, (t) => {
      order.push(t[0]!);
      return t.length === 4 ? '(\\d{4})' : t.length === 2 ? '(\\d{2})' : '(\\d{1,2})';
    });
    return { re: new RegExp(`^${src}$`), order };
  });
  return (s) => {
    for (const c of compiled) {
      const m = c.re.exec(s.trim());
      if (!m) continue;
      const v: Record<string, number> = { Y: 0, M: 1, D: 1, H: 0, m: 0, s: 0 };
      c.order.forEach((k, i) => (v[k] = Number(m[i + 1])));
      return JSON.stringify(v);
    }
    return undefined;
  };
}

function parse(formats: string[]): (s: string) => unknown {
  const gen = compileFrom({ kind: 'from', column: 'd', parse: { date: formats } } as Extract<FieldSpec, { kind: 'from' }>);
  return (s) => {
    try {
      return gen(new Rng(), { source: () => s } as unknown as GenContext);
    } catch {
      return 'rejected';
    }
  };
}

describe('from: legacy dates', () => {
  it('matches fixed-width formats exactly where the regular expression does', () => {
    const rng = new Rng(9);
    const alphabet = ['0', '1', '2', '9', '3', '-', '/', '.', ':', ' ', 'T', 'x', '\u0661', '\uff11', '\n'];
    for (const formats of [['YYYY-MM-DD', 'DD/MM/YYYY'], ['YYYY.MM.DD HH:mm:ss'], ['DD.MM.YY'], ['YYYYMMDD'], ['D/M/YYYY', 'YYYY-MM-DDTHH:mm']]) {
      const reference = byRegex(formats);
      const ours = parse(formats);
      const shapes = formats.map((f) => f.replace(/[YMDHms]/g, '0'));
      const seen = { matched: 0, rejected: 0 };
      for (let i = 0; i < 20_000; i++) {
        // Mostly values shaped like a format, with a character or two changed, some lengths off.
        const shape = shapes[rng.below(shapes.length)]!;
        let s = [...shape].map((c) => (c === '0' ? String(rng.below(10)) : c)).join('');
        for (let k = rng.below(3); k > 0; k--) {
          const at = rng.below(s.length + 1);
          const ch = alphabet[rng.below(alphabet.length)]!;
          s = rng.below(4) === 0 ? s.slice(0, at) + ch + s.slice(at) : s.slice(0, at) + ch + s.slice(at + 1);
        }
        if (rng.below(10) === 0) s = ` ${s} `;
        const got = ours(s);
        const want = reference(s);
        if (want === undefined) expect([s, got]).toEqual([s, 'rejected']);
        else {
          const v = JSON.parse(want) as Record<string, number>;
          // The reference's fields, as the parser writes them (31/02 is no date: rejected by both paths the same way).
          if (got === 'rejected') seen.rejected++;
          else {
            seen.matched++;
            const d = String(got);
            const year = v.Y! < 100 ? v.Y! + (v.Y! < 50 ? 2000 : 1900) : v.Y!;
            expect([s, d.slice(0, 10)]).toEqual([s, `${String(year).padStart(4, '0')}-${String(v.M).padStart(2, '0')}-${String(v.D).padStart(2, '0')}`]);
          }
        }
      }
      expect(seen.matched).toBeGreaterThan(30);
    }
  });

  it('reads each listed format, first match first', () => {
    const p = parse(['YYYY-MM-DD', 'DD/MM/YYYY', 'YYYY.MM.DD HH:mm:ss']);
    expect(['2019-02-28', ' 28/02/2019 ', '2019.02.28 13:05:09', '2019-02-29', '2019x02x28 13:05:09', '2019-2-28', '\uff12019-02-28', ' 2019-02-28 ', '0049-01-31', '0999-12-31'].map(p)).toEqual([
      '2019-02-28', '2019-02-28', '2019-02-28T13:05:09Z', 'rejected', 'rejected', 'rejected', 'rejected', '2019-02-28', '2049-01-31', '0999-12-31',
    ]);
  });
});
