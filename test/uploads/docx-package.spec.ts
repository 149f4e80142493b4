import { buildZip, docx, docxBomb } from '../support/zip.js';
import { docxProblem, DOCX_MAX_UNCOMPRESSED_BYTES } from '../../apps/intake/src/poe/docx-package.js';
import { detectPoeContentType, POE_CONTENT_TYPES } from '../../apps/intake/src/poe/poe-file-type.js';

describe('DOCX uploads: a well-formed OOXML package under the size cap', () => {
  it('accepts a real DOCX', async () => {
    const file = docx();
    expect(detectPoeContentType(file)).toBe(POE_CONTENT_TYPES.docx);
    expect(await docxProblem(file)).toBeNull();
  });

  it('refuses a 1 MB file holding a 1 GiB word/document.xml, without inflating it', async () => {
    const bomb = await docxBomb(1024 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    expect(detectPoeContentType(bomb)).toBe(POE_CONTENT_TYPES.docx);
    expect(await docxProblem(bomb)).toBe(`a DOCX may unpack to at most ${DOCX_MAX_UNCOMPRESSED_BYTES} bytes`);
  });

  it('refuses a ZIP that is not a word-processing package, and bytes that are not a ZIP at all', async () => {
    const sheet = buildZip([{ name: '[Content_Types].xml', data: Buffer.from('<Types/>') }, { name: 'word/styles.xml', data: Buffer.from('<x/>') }]);
    expect(await docxProblem(sheet)).toBe('not a DOCX package (missing word/document.xml)');
    const truncated = docx().subarray(0, 60);
    expect(await docxProblem(truncated)).toBe('not a well-formed DOCX (OOXML) package');
  });
});
