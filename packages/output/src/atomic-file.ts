import { createHash, randomBytes, type Hash } from 'node:crypto';
import { constants, createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import type { OutputWriteError } from '@synthfarm/core';
import { ioError } from './io-error.js';

/** What a finished file looks like in the manifest. */
export interface FileInfo {
  path: string;
  bytes: number;
  /** '' for a file written without a digest (see AtomicFile's `digest`). */
  sha256: string;
}

/**
 * How temporary files are created: new (O_EXCL) and never through a symbolic link (O_NOFOLLOW),
 * so a link planted under the temporary name cannot redirect the write (as `mkstemp` does).
 */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** Bytes a file may have buffered, not yet written, before a writer waits (backpressure). */
export const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * A file written under a temporary name and renamed only when complete, so a reader never
 * sees half a file. Writes respect backpressure; size and sha256 are computed on the way.
 */
export class AtomicFile {
  private readonly stream: WriteStream;
  private readonly hash: Hash | undefined;
  private readonly tmp: string;
  private bytes = 0;
  private failed: Error | undefined;

  /**
   * @param tmp the temporary file's path; default a unique name next to `path`. A fixed name suits
   * a directory that only this process writes (a run's staging directory).
   * @param digest compute the sha256 (default true); false for a file whose digest nobody reads
   * (report.html: hashing its ~0.5 MB cost a run more than anything else in writing it).
   */
  constructor(readonly path: string, tmp?: string, digest = true) {
    this.hash = digest ? createHash('sha256') : undefined;
    this.tmp = tmp ?? join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    // The stream hands flags to fs.open, which takes numbers; @types/node types them as string only.
    // A 4 MiB buffer (the default is 16 KiB): a writer awaits only when that much is not yet
    // on its way to the disk, not after every write. With 16 KiB every batch a run commits
    // waited for a round trip through the I/O thread pool, and on a busy machine each of those
    // waits left the code threads without work.
    this.stream = createWriteStream(this.tmp, { flags: CREATE_NEW as unknown as string, highWaterMark: WRITE_BUFFER_BYTES });
    this.stream.on('error', (err) => {
      this.failed = err;
    });
  }

  /** Appends text (UTF-8) or bytes; resolves once the stream can take more (backpressure). */
  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.failed) throw this.wrap(this.failed);
    if (!chunk.length) return;
    // The string goes to the hash and the stream as it is: no Buffer copy of every batch.
    if (typeof chunk === 'string') {
      this.bytes += Buffer.byteLength(chunk, 'utf8');
      this.hash?.update(chunk, 'utf8');
      if (!this.stream.write(chunk, 'utf8')) await this.drained();
    } else {
      this.bytes += chunk.length;
      this.hash?.update(chunk);
      if (!this.stream.write(chunk)) await this.drained();
    }
    if (this.failed) throw this.wrap(this.failed);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      // 'close' follows an error; the error itself is kept by the constructor's listener.
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  /** Flushes, closes and renames into place. */
  async commit(): Promise<FileInfo> {
    if (this.failed) throw this.wrap(this.failed);
    // 'close' follows 'finish' or an error (kept by the constructor's listener); events.once
    // would reject on 'error' with the raw errno error instead.
    const closed = this.stream.closed ? undefined : new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
    this.stream.end();
    await closed;
    if (this.failed) throw this.wrap(this.failed);
    await rename(this.tmp, this.path).catch((err: unknown) => {
      throw ioError('rename into place', this.path, err);
    });
    return { path: this.path, bytes: this.bytes, sha256: this.hash?.digest('hex') ?? '' };
  }

  /** Drops the temporary file. Safe to call after a failure. */
  async abort(): Promise<void> {
    if (!this.stream.closed) {
      // The file may still be opening: unlinking before the stream has closed would miss it.
      const closed = once(this.stream, 'close').catch(() => undefined);
      this.stream.destroy();
      await closed;
    }
    await unlink(this.tmp).catch(() => undefined);
  }

  private wrap(err: Error): OutputWriteError {
    return ioError('write', this.path, err);
  }
}
