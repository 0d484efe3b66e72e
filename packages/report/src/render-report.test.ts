import { describe, expect, it } from 'vitest';
import { scriptBytes } from './render-report.js';

describe('inlined scripts', () => {
  it('are copied as they are when nothing in them could end the <script> element', () => {
    const b = Buffer.from('const a = "</div>" + x < y; // é</scrip');
    expect(scriptBytes(b)).toBe(b);
  });

  it('have </script (any case) and <!-- escaped, as the text escape does', () => {
    const text = 'a="</ScRiPt>";b="<!--";c="</scriptx";d="é"';
    expect(scriptBytes(Buffer.from(text)).toString()).toBe('a="<\\/ScRiPt>";b="<\\!--";c="<\\/scriptx";d="é"');
  });
});
