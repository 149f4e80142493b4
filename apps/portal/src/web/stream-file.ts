import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { Response } from 'express';

/** Streams a file answer through, with the headers that make it a download and nothing else. */
export async function streamFile(response: Response, file: globalThis.Response): Promise<void> {
  for (const header of ['content-type', 'content-length', 'content-disposition']) {
    const value = file.headers.get(header);
    if (value) response.setHeader(header, value);
  }
  if (!file.headers.get('content-disposition')?.startsWith('attachment')) response.setHeader('content-disposition', 'attachment');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Cache-Control', 'no-store');
  if (!file.body) return void response.end();
  await new Promise<void>((resolve, reject) => {
    Readable.fromWeb(file.body as ReadableStream).pipe(response).on('finish', resolve).on('error', reject);
  });
}
