import yauzl from 'yauzl';

/** The most a DOCX may declare it unpacks to (all its parts together). */
export const DOCX_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024;
/** The most parts a DOCX may have (a real one has a few dozen). */
export const DOCX_MAX_ENTRIES = 1_000;
const REQUIRED_PARTS = ['[Content_Types].xml', 'word/document.xml'];

/**
 * Why a ZIP is not an acceptable DOCX, or null when it is a well-formed OOXML word-processing
 * package whose parts declare at most DOCX_MAX_UNCOMPRESSED_BYTES together. Reads only the
 * central directory (yauzl, the maintained ZIP reader): nothing is inflated, so a zip bomb costs
 * nothing to refuse.
 */
export async function docxProblem(data: Buffer): Promise<string | null> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(data, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
  } catch {
    return 'not a well-formed DOCX (OOXML) package';
  }
  if (zip.entryCount > DOCX_MAX_ENTRIES) {
    zip.close();
    return `a DOCX may have at most ${DOCX_MAX_ENTRIES} parts`;
  }
  const parts = new Set<string>();
  let declared = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        parts.add(entry.fileName);
        declared += entry.uncompressedSize;
        if (declared > DOCX_MAX_UNCOMPRESSED_BYTES) {
          zip.close();
          resolve();
        } else zip.readEntry();
      });
      zip.once('end', () => resolve());
      zip.once('error', reject);
      zip.readEntry();
    });
  } catch {
    return 'not a well-formed DOCX (OOXML) package';
  }
  if (declared > DOCX_MAX_UNCOMPRESSED_BYTES) return `a DOCX may unpack to at most ${DOCX_MAX_UNCOMPRESSED_BYTES} bytes`;
  const missing = REQUIRED_PARTS.filter((part) => !parts.has(part));
  if (missing.length > 0) return `not a DOCX package (missing ${missing.join(', ')})`;
  return null;
}
