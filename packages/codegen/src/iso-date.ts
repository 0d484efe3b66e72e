/**
 * `YYYY-MM-DD` of a day number (days since 1970-01-01, UTC), without a Date object:
 * H. Hinnant's civil-from-days. Date fields format one value per record.
 */
export function isoDay(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y < 1000 ? String(y).padStart(4, '0') : y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** `YYYY-MM-DDTHH:MM:SSZ` of a second number (seconds since the epoch, UTC). */
export function isoSecond(secs: number): string {
  const days = Math.floor(secs / 86400);
  let rest = secs - days * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const mi = Math.floor(rest / 60);
  const s = rest - mi * 60;
  return `${isoDay(days)}T${h < 10 ? '0' : ''}${h}:${mi < 10 ? '0' : ''}${mi}:${s < 10 ? '0' : ''}${s}Z`;
}

/** Month (1..12) of a day number (days since 1970-01-01): the civil-from-days month, alone. */
export function monthOfDay(days: number): number {
  const z = days + 719468;
  const doe = z - Math.floor(z / 146097) * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return mp < 10 ? mp + 3 : mp - 9;
}

/**
 * `YYYY-MM-DDTHH:MM:SS+HH:MM` of a second number written in a zone `offset` seconds east of UTC.
 * Offsets are written in whole minutes (historical local mean times had seconds); the instant is exact.
 */
export function isoSecondAt(secs: number, offset: number): string {
  const minutes = Math.trunc(offset / 60);
  const local = isoSecond(secs + minutes * 60);
  const abs = Math.abs(minutes);
  const hh = Math.floor(abs / 60);
  const mm = abs % 60;
  return `${local.slice(0, -1)}${minutes < 0 ? '-' : '+'}${hh < 10 ? '0' : ''}${hh}:${mm < 10 ? '0' : ''}${mm}`;
}
