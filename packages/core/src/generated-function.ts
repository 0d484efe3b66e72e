/**
 * A function compiled from generated JavaScript, `function name(params) { body }`, closing over the
 * entries of `scope` (the helpers and tables the body calls by name). For code made once per dataset
 * or source and run for every record: straight-line code whose property loads each see one name
 * and one shape, where a loop over names sees them all (megamorphic). Whoever generates the body
 * puts data in it only as literals (JSON string literals for names: see {@link literalKey} and
 * path-read-code.ts); nothing of a spec or a file is evaluated.
 *
 * Undefined where the process refuses code generation from strings
 * (`--disallow-code-generation-from-strings`: the Function constructor throws an EvalError): the
 * caller then runs its general path. Any other error (a body that does not parse) is a bug, thrown.
 */
export function generatedFunction<F>(name: string, scope: Record<string, unknown>, params: string, body: string): F | undefined {
  try {
    return new Function(...Object.keys(scope), `return function ${name}(${params}) {\n${body}\n};`)(...Object.values(scope)) as F;
  } catch (err) {
    if (err instanceof EvalError) return undefined;
    throw err;
  }
}

/**
 * `name` as a key of an object literal in generated code: a JSON string literal. Undefined for
 * `__proto__`, which a literal (like an assignment) takes for the object's prototype: build such
 * an object by other means.
 */
export function literalKey(name: string): string | undefined {
  return name === '__proto__' ? undefined : JSON.stringify(name);
}
