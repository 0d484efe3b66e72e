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
