import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { dropOutputWhenReaderCloses } from './closed-pipe.js';

const streamError = (code: string) => Object.assign(new Error(`write ${code}`), { code });

/**
 * A command that writes 2,000 lines to stdout and stderr, finishing its "work" (exit code 3) only
 * after the last; run by this Node (24, which runs the .ts module with its types stripped).
 */
const COMMAND = `
import { dropOutputWhenReaderCloses } from ${JSON.stringify(fileURLToPath(new URL('./closed-pipe.ts', import.meta.url)))};
dropOutputWhenReaderCloses(process.stdout);
dropOutputWhenReaderCloses(process.stderr);
for (let i = 0; i < 2000; i++) {
  process.stdout.write('result line ' + i + ' '.repeat(200) + '\\n');
  process.stderr.write('progress line ' + i + ' '.repeat(200) + '\\n');
  await new Promise((resolve) => setImmediate(resolve));
}
process.exitCode = 3;
`;

describe('dropOutputWhenReaderCloses', () => {
  it('lets the command go on each time a write finds the reader gone (EPIPE)', () => {
    const stream = new PassThrough();
    dropOutputWhenReaderCloses(stream);

    expect(() => stream.emit('error', streamError('EPIPE'))).not.toThrow();
    expect(() => stream.emit('error', streamError('EPIPE'))).not.toThrow();
  });

  it('throws any other error on the stream', () => {
    const stream = new PassThrough();
    dropOutputWhenReaderCloses(stream);

    expect(() => stream.emit('error', streamError('EIO'))).toThrow('write EIO');
  });

  it('a command whose readers close both pipes early finishes and exits with its own code', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '--eval', COMMAND], { stdio: ['ignore', 'pipe', 'pipe'] });
    // As `| head -1` does: read a first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    child.stderr.once('data', () => child.stderr.destroy());

    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(code).toBe(3);
  }, 30_000);
});
