import { createHash, type Hash } from 'node:crypto';
import { access, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { constants, createReadStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputError } from '@synthfarm/core';
import type { FileInfo } from './atomic-file.js';

/**
 * An output file a crashed process can pick up again: written under a fixed temporary name
 * (`.<name>.<runId>.part`), each append awaited until the OS has it, so the byte count a
 * caller records after an append is on disk for whoever resumes. Renamed into place when
 * complete, like {@link AtomicFile}.
 */
export class ResumableFile {
  private hash: Hash = createHash('sha256');
  private constructor(readonly path: string, private readonly tmp: string, private fh: FileHandle, private size: number) {}

  /**
   * Opens (or, with `resumeAt`, reopens and cuts back to) the temporary file of `path`.
   * @param tmpDir where the temporary file lives; default next to `path`.
   */
  static async open(path: string, runId: string, resumeAt?: number, tmpDir = dirname(path)): Promise<ResumableFile> {
    const tmp = join(tmpDir, `.${basename(path)}.${runId}.part`);
    try {
      // A file renamed into place after its last commit point (a split part completed by a batch
      // that was never committed) goes back to being the part file, to be cut back and refilled.
      if (resumeAt !== undefined) await access(tmp).catch(() => rename(path, tmp).catch(() => undefined));
      // Never through a link (O_NOFOLLOW), and only a file of our own: a hard link to a file
      // elsewhere would be truncated and overwritten, so it is checked before truncating.
      const fh = await open(tmp, (resumeAt === undefined ? constants.O_CREAT : 0) | constants.O_RDWR | (constants.O_NOFOLLOW ?? 0), 0o666);
      const s = await fh.stat();
      if (!s.isFile() || s.nlink !== 1) {
        await fh.close();
        throw Object.assign(new Error(s.isFile() ? 'has other hard links' : 'not a regular file'), { code: s.isFile() ? 'EMLINK' : 'EINVAL' });
      }
      if (resumeAt === undefined) {
        await fh.truncate(0);
        return new ResumableFile(path, tmp, fh, 0);
      }
      await fh.truncate(resumeAt);
      const f = new ResumableFile(path, tmp, fh, resumeAt);
      await f.rehash();
      return f;
    } catch (err) {
      throw new OutputError(`cannot ${resumeAt === undefined ? 'create' : 'resume'} ${tmp}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  }

  /** Bytes written so far (what a resume cuts back to). */
  get bytes(): number {
    return this.size;
  }

  /** Everything written so far, as text (a resumed run reads its event log back). */
  async text(): Promise<string> {
    const buf = Buffer.alloc(this.size);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await this.fh.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off).toString('utf8');
  }

  async append(data: string | Uint8Array): Promise<void> {
    if (!data.length) return;
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, off, buf.length - off, this.size + off);
      off += bytesWritten;
    }
    this.size += buf.length;
    this.hash.update(buf);
  }

  /** The bytes written so far, in chunks. */
  async *read(): AsyncGenerator<Uint8Array> {
    if (this.size === 0) return;
    for await (const chunk of createReadStream(this.tmp, { start: 0, end: this.size - 1 })) yield chunk as Buffer;
  }

  async commit(): Promise<FileInfo> {
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmp, this.path);
    return { path: this.path, bytes: this.size, sha256: this.hash.digest('hex') };
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  /** A finished file's info, for a resume that finds it already renamed. */
  static async info(path: string): Promise<FileInfo> {
    const s = await stat(path);
    const h = createHash('sha256');
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
    return { path, bytes: s.size, sha256: h.digest('hex') };
  }

  private async rehash(): Promise<void> {
    this.hash = createHash('sha256');
    if (this.size === 0) return;
    for await (const chunk of createReadStream(this.tmp, { start: 0, end: this.size - 1 })) this.hash.update(chunk as Buffer);
  }
}
