import type pg from 'pg';
import { SourceError } from '@synthfarm/core/errors';

const AS_TEXT = new Set([1082, 1114, 1184]); // date, timestamp, timestamptz: kept as written, no local-time Date
const AS_NUMBER = new Set([20, 1700]); // int8, numeric: numbers (a profile needs magnitudes, not exact digits)

function typeParsers(types: typeof pg.types): (oid: number, format?: 'text' | 'binary') => (v: string) => unknown {
  return (oid, format) => {
    if (AS_TEXT.has(oid)) return (v) => v;
    if (AS_NUMBER.has(oid)) return (v) => Number(v);
    return types.getTypeParser(oid, format ?? 'text') as (v: string) => unknown;
  };
}

/** `postgres://user@host:port/db` of a URL, for messages: never the password. */
export function describePgUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparsable PostgreSQL URL)';
  }
}

/**
 * Connects to PostgreSQL; an unreachable server, a wrong password or a missing database is a
 * {@link SourceError} (exit 2) naming the server and the reason (PostgreSQL's own words).
 */
export async function connectPg(url: string, label: string): Promise<pg.Client> {
  // Loaded here, not with the module: a code thread reading a CSV or JSONL source never needs the driver.
  const { default: driver } = await import('pg');
  let client: pg.Client;
  try {
    client = new driver.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'synthfarm', types: { getTypeParser: typeParsers(driver.types) } });
  } catch (err) {
    throw new SourceError(`${label} is not a valid PostgreSQL URL: ${(err as Error).message}`, { cause: err });
  }
  client.on('error', () => {}); // a dropped connection surfaces on the next query
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new SourceError(`${label} cannot be read: ${pgReason(err)}`, { cause: err });
  }
  return client;
}

/** PostgreSQL's message, or the socket error, in a few words. */
export function pgReason(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  if (e.code === 'ECONNREFUSED') return `connection refused (is PostgreSQL running there?)`;
  if (e.code === '28P01') return 'password authentication failed';
  const msg = e.message || e.errors?.map((x) => x.message).join('; ') || String(err);
  return msg.replace(/password[^ ]* "[^"]*"/gi, 'password ***');
}

/** Quotes an SQL identifier (`"Order Lines"`). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table` quoted, from `table` or `schema.table`. */
export function qualified(table: string): string {
  const dot = table.indexOf('.');
  return dot > 0 ? `${ident(table.slice(0, dot))}.${ident(table.slice(dot + 1))}` : ident(table);
}
