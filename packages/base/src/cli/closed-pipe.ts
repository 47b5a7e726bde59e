/**
 * A closed stdout is a normal end for a CLI: `nodeark list | head -1` closes the pipe once `head` has its
 * line, and the next write fails with `EPIPE`. Node ignores SIGPIPE, so without a listener that failure is an
 * unhandled `'error'` event and a stack trace. Like other Unix tools, `nodeark` then stops quietly.
 */

/** What {@link exitQuietlyOnClosedPipe} needs of the process (injectable for tests). */
export interface PipeProcess {
  stdout: NodeJS.EventEmitter;
  stderr: NodeJS.EventEmitter;
  exit(code: number): void;
}

/**
 * Exits 0 when a write to stdout fails with `EPIPE` (the reader has gone; there is nobody left to tell) and
 * ignores `EPIPE` on stderr. Any other stream error is rethrown, as it would have been without the listener.
 */
export function exitQuietlyOnClosedPipe(proc: PipeProcess = process): void {
  const closed = (err: NodeJS.ErrnoException): boolean => err.code === 'EPIPE';
  proc.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (!closed(err)) throw err;
    proc.exit(0);
  });
  proc.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (!closed(err)) throw err;
  });
}
