/**
 * `npm run ops -- claim show <id> | head` closes our stdout before the command has written all it
 * has (and `|& head` our stderr, where a replay writes its progress while it works). Node then
 * raises EPIPE on the stream, which, unhandled, crashes the command with a stack trace, in the
 * middle of its work if that was progress. Drop what the reader did not take and let the command
 * finish its work and exit with its own code. Any other error on the stream is still thrown.
 */
export function dropOutputWhenReaderCloses(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
