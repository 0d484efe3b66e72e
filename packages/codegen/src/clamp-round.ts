/** What every numeric kind takes after drawing: integer / round, then min / max clamping. */
export interface ClampRound {
  min?: number | undefined;
  max?: number | undefined;
  integer?: boolean | undefined;
  round?: number | undefined;
}

/** integer / round, then min / max clamping (clamped again after rounding); never -0. */
export function clampRound(f: ClampRound): (x: number) => number {
  const { min, max, integer, round } = f;
  const scale = round !== undefined ? 10 ** round : 1;
  return (x) => {
    if (min !== undefined && x < min) x = min;
    if (max !== undefined && x > max) x = max;
    if (integer) x = Math.round(x);
    else if (round !== undefined) x = Math.round(x * scale) / scale;
    if (min !== undefined && x < min) x = integer ? Math.ceil(min) : min;
    if (max !== undefined && x > max) x = integer ? Math.floor(max) : max;
    return x === 0 ? 0 : x; // no -0 in the output
  };
}
