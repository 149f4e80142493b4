/**
 * PoE uploads are accepted by what the bytes are, not by the name or the declared type:
 * PDF, PNG, JPEG and DOCX only.
 */
export const POE_MAX_BYTES = 10 * 1024 * 1024;

export const POE_CONTENT_TYPES = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpeg: 'image/jpeg',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
} as const;

export function detectPoeContentType(data: Buffer): string | null {
  if (data.length >= 5 && data.subarray(0, 5).toString('latin1') === '%PDF-') return POE_CONTENT_TYPES.pdf;
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return POE_CONTENT_TYPES.png;
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return POE_CONTENT_TYPES.jpeg;
  // DOCX is a ZIP whose entries include word/ parts; a plain ZIP (or XLSX) is refused.
  if (data.length >= 4 && data.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    const head = data.subarray(0, Math.min(data.length, 64 * 1024)).toString('latin1');
    if (head.includes('[Content_Types].xml') && head.includes('word/')) return POE_CONTENT_TYPES.docx;
  }
  return null;
}
