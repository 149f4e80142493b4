import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { Response } from 'express';

/** The stored types a browser may show inline (a preview): PDF and images. DOCX and anything else is only ever downloaded. */
const INLINE_TYPES: readonly string[] = ['application/pdf', 'image/png', 'image/jpeg'];

export function isPreviewable(contentType: string): boolean {
  return INLINE_TYPES.includes(contentType);
}

/**
 * Streams a file answer through, with the headers that make it a download and nothing else; with
 * `inline`, a PDF or image is shown in place (a preview framed by a portal page, so its CSP lets
 * only the portal frame it and load nothing else), any other type is still an attachment.
 */
export async function streamFile(response: Response, file: globalThis.Response, options: { inline?: boolean } = {}): Promise<void> {
  for (const header of ['content-type', 'content-length', 'content-disposition']) {
    const value = file.headers.get(header);
    if (value) response.setHeader(header, value);
  }
  const disposition = file.headers.get('content-disposition') ?? '';
  if (options.inline && isPreviewable(file.headers.get('content-type') ?? '')) {
    response.setHeader('content-disposition', disposition.replace(/^attachment/, 'inline') || 'inline');
    // The browser's PDF viewer embeds the file itself (object-src 'self'); nothing else may load.
    response.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'");
  } else if (!disposition.startsWith('attachment')) response.setHeader('content-disposition', 'attachment');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Cache-Control', 'no-store');
  if (!file.body) return void response.end();
  await new Promise<void>((resolve, reject) => {
    Readable.fromWeb(file.body as ReadableStream).pipe(response).on('finish', resolve).on('error', reject);
  });
}
