import { InvalidArgumentError } from 'commander';

/** Commander option parser for positive integers (`--count 0` is a usage error, exit 2). */
export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    return Number(value);
  };
}

/** Commander option parser for integers >= 0 (refuses past 2^53-1, which a JS number would round silently). */
export function nonNegativeInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be an integer >= 0, got '${value}'`);
    if (!Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`${name} must be at most ${Number.MAX_SAFE_INTEGER} (2^53-1), got '${value}'`);
    return Number(value);
  };
}

/** Commander option parser for a non-negative amount (USD). */
export function nonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number >= 0, got '${value}'`);
    return n;
  };
}

/** Commander option parser for a number > 0 (`--scale 0.5`). */
export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0, got '${value}'`);
    return n;
  };
}
