import { afterEach, describe, expect, it, vi } from 'vitest';
import { generatedFunction, literalKey } from './generated-function.js';

describe('generatedFunction', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('compiles a named function closing over its scope', () => {
    const f = generatedFunction<(x: number) => number>('addTwice', { add: (a: number, b: number) => a + b }, 'x', 'return add(x, x);')!;
    expect(f.name).toBe('addTwice');
    expect(f(21)).toBe(42);
  });

  it('is undefined where code generation is refused, and throws for a body that does not parse', () => {
    expect(() => generatedFunction('broken', {}, 'x', 'return (;')).toThrow(SyntaxError);
    // As under --disallow-code-generation-from-strings: the Function constructor throws.
    vi.stubGlobal('Function', function () {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    expect(generatedFunction('f', {}, '', 'return 1;')).toBeUndefined();
  });
});

describe('literalKey', () => {
  it('quotes any name as JSON, and refuses __proto__', () => {
    for (const name of ['id', 'a"b', "it's", 'line\u2028sep', '}; throw 1; ({', '']) {
      const key = literalKey(name)!;
      expect(Object.keys(generatedFunction<() => object>('o', {}, '', `return { ${key}: 1 };`)!())).toEqual([name]);
    }
    expect(literalKey('__proto__')).toBeUndefined();
  });
});
