import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import { op } from '../trusted.js';

export interface StoredPoe {
  documentId: string;
  sha256: string;
  size: number;
}

/** A file stored but not yet taken by its claim (`poe_unconfirmed`: only uploads in flight or abandoned). */
interface UnconfirmedPoe {
  _id: string;
  claimId: string;
  storedAt: Date;
}

/**
 * Proof-of-execution files in GridFS (`poe.files` / `poe.chunks`). Names are generated here,
 * never taken from the client; the original name is kept as metadata only.
 *
 * A file is stored before the claim records it, so a failure in between (a lost race, a store
 * outage while cleaning up, a crash) could leave a file no claim points to. Each file therefore
 * gets an "unconfirmed" row first, removed once its claim has it; `sweepUnconfirmed` deletes the
 * files of rows left behind, so nothing stays orphaned.
 */
export class PoeStore {
  private readonly bucket: mongoose.mongo.GridFSBucket;
  private readonly unconfirmed: mongoose.mongo.Collection<UnconfirmedPoe>;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('MongoDB connection is not open');
    this.bucket = new mongoose.mongo.GridFSBucket(connection.db, { bucketName: 'poe' });
    this.unconfirmed = connection.db.collection<UnconfirmedPoe>('poe_unconfirmed');
  }

  async save(file: { claimId: string; originalName: string; contentType: string; data: Buffer }, now = new Date()): Promise<StoredPoe> {
    const documentId = randomUUID();
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    await this.unconfirmed.insertOne({ _id: documentId, claimId: file.claimId, storedAt: now });
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

  /** The claim has recorded these documents: they are no longer candidates for the sweep. */
  async confirm(documentIds: string[]): Promise<void> {
    if (documentIds.length === 0) return;
    await this.unconfirmed.bulkWrite(documentIds.map((id) => ({ deleteOne: { filter: { _id: String(id) } } })), { ordered: false });
  }

  /**
   * A document stored for `claimId`, as a stream, or undefined when there is none. The file row
   * is read first so that a missing file is a clean "not found" before anything is sent, not a
   * broken stream. A file uploaded for another claim is none: a claim can name any document id
   * (an upstream system's reference is only a name), and must not reach another claim's file by it.
   */
  async openDownload(claimId: string, documentId: string): Promise<Readable | undefined> {
    const [file] = await this.bucket.find({ _id: String(documentId) as never, 'metadata.claimId': String(claimId) }, { limit: 1 }).toArray();
    return file ? this.bucket.openDownloadStream(String(documentId) as never) : undefined;
  }

  async read(documentId: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket.openDownloadStream(String(documentId) as never)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Deletes a document no claim took (and its unconfirmed row). */
  async delete(documentId: string): Promise<void> {
    try {
      await this.bucket.delete(String(documentId) as never);
    } catch (error) {
      // Already gone (a sweep or an earlier attempt): deleting is idempotent.
      if (!(error instanceof mongoose.mongo.MongoRuntimeError) || !/File not found/i.test(error.message)) throw error;
    }
    await this.unconfirmed.deleteOne({ _id: String(documentId) });
  }

  /**
   * Deletes files stored more than `olderThanMs` ago that their claim never recorded, and
   * confirms those it did (the confirmation was lost). Returns how many files were deleted.
   */
  async sweepUnconfirmed(olderThanMs: number, isRecorded: (claimId: string, documentId: string) => Promise<boolean>, now = new Date()): Promise<number> {
    const stale = await this.unconfirmed.find({ storedAt: op({ $lt: new Date(now.getTime() - olderThanMs) }) }).limit(500).toArray();
    let deleted = 0;
    for (const row of stale) {
      if (await isRecorded(row.claimId, row._id)) {
        await this.confirm([row._id]);
      } else {
        await this.delete(row._id);
        deleted++;
      }
    }
    return deleted;
  }
}
