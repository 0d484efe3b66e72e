import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** zlib level of every gzip member: fixed, so the same text makes the same bytes. */
export const GZIP_LEVEL = 6;

/**
 * Records per gzip member. A gzip file may hold several members back to back (RFC 1952 §2.2;
 * gunzip, Python's gzip and pandas read them as one stream), and a member boundary at every
 * this many records of a file, wherever batches end, is what lets a resumed run carry on with
 * a new member and still write the same bytes as a run that never stopped.
 */
export const GZIP_MEMBER_ROWS = 10_000;

/**
 * `text` as one gzip member with a fixed header: mtime 0 (zlib's default), no file name, and the
 * OS byte set to 255 ("unknown") instead of the platform's own, so the bytes are the same on
 * every machine. Compressed on the thread pool.
 */
export async function gzipMember(text: string | Uint8Array): Promise<Buffer> {
  const out = await gzipAsync(text, { level: GZIP_LEVEL, memLevel: 8, windowBits: 15, strategy: constants.Z_DEFAULT_STRATEGY });
  out[9] = 255;
  return out;
}
