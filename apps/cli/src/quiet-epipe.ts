/**
 * Ends the process quietly when the reader of stdout goes away (`synthfarm status | head -1`).
 * A C program gets SIGPIPE there and dies without a word; Node ignores SIGPIPE and instead emits
 * EPIPE on the stream, which unhandled is a crash with a stack trace. Like SIGPIPE we stop at
 * once (nobody reads what follows), but with the exit code so far (0 unless a command set one),
 * as `git log | head` and `yes | head` do.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.WriteStream = process.stdout, exit: (code: number) => void = (code) => process.exit(code)): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}

/**
 * Drops what is written to stderr once its reader has gone away (the terminal or the log pipe of
 * a supervisor that died), instead of ending the process: a worker or server keeps its batches
 * and still drains on SIGTERM. Unhandled, the EPIPE is an uncaught exception, and a handler that
 * says so on stderr meets the same EPIPE again: the process spun at 100% CPU and never stopped.
 */
export function dropWritesOnEpipe(stream: NodeJS.WriteStream = process.stderr): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // EPIPE or, when the reader closed with bytes unread on a socket pipe (how child processes get
    // their stdio), ECONNRESET: either way nobody reads what follows.
    if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    stream.write = (() => true) as typeof stream.write;
  });
}
