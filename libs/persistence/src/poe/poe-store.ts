import { createHash, randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';

export interface StoredPoe {
  documentId: string;
  sha256: string;
  size: number;
}

/**
 * Proof-of-execution files in GridFS (`poe.files` / `poe.chunks`). Names are generated here,
 * never taken from the client; the original name is kept as metadata only.
 */
export class PoeStore {
  private readonly bucket: mongoose.mongo.GridFSBucket;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('MongoDB connection is not open');
    this.bucket = new mongoose.mongo.GridFSBucket(connection.db, { bucketName: 'poe' });
  }

  async save(file: { claimId: string; originalName: string; contentType: string; data: Buffer }): Promise<StoredPoe> {
    const documentId = randomUUID();
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    await new Promise<void>((resolve, reject) => {
      const upload = this.bucket.openUploadStreamWithId(documentId as never, documentId, {
        metadata: { claimId: file.claimId, originalName: file.originalName, contentType: file.contentType, sha256 },
      });
      upload.once('finish', () => resolve());
      upload.once('error', reject);
      upload.end(file.data);
    });
    return { documentId, sha256, size: file.data.length };
  }

  async read(documentId: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket.openDownloadStream(String(documentId) as never)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async delete(documentId: string): Promise<void> {
    await this.bucket.delete(String(documentId) as never);
  }
}
