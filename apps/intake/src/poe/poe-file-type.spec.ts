import { detectPoeContentType, POE_CONTENT_TYPES } from './poe-file-type.js';

describe('detectPoeContentType', () => {
  it('R2: accepts PDF, PNG, JPEG and DOCX by their magic bytes', () => {
    expect(detectPoeContentType(Buffer.from('%PDF-1.7\n...'))).toBe(POE_CONTENT_TYPES.pdf);
    expect(detectPoeContentType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBe(POE_CONTENT_TYPES.png);
    expect(detectPoeContentType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe(POE_CONTENT_TYPES.jpeg);
    const docx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('....[Content_Types].xml....word/document.xml')]);
    expect(detectPoeContentType(docx)).toBe(POE_CONTENT_TYPES.docx);
  });

  it('refuses anything else, whatever its name says', () => {
    expect(detectPoeContentType(Buffer.from('MZ\x90\x00 executable'))).toBeNull();
    expect(detectPoeContentType(Buffer.from('<html>not a pdf</html>'))).toBeNull();
    expect(detectPoeContentType(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('xl/workbook.xml')]))).toBeNull();
    expect(detectPoeContentType(Buffer.alloc(0))).toBeNull();
  });
});
