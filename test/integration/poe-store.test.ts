import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { openMongoConnection, PoeStore } from '@cpor/persistence';

describe('PoE store (GridFS) on the real MongoDB-wire server', () => {
  let connection: Connection;
  let store: PoeStore;

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_poe_${randomUUID().slice(0, 8)}`);
    store = new PoeStore(connection);
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('R2: keeps a multi-chunk file byte for byte under a generated id, with its SHA-256', async () => {
    const data = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(600 * 1024)]);
    const stored = await store.save({ claimId: 'c-1', originalName: '../../etc/passwd.pdf', contentType: 'application/pdf', data });
    expect(stored.documentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(stored.size).toBe(data.length);
    expect((await store.read(stored.documentId)).equals(data)).toBe(true);
  });

  it('deletes a document that no claim took', async () => {
    const stored = await store.save({ claimId: 'c-2', originalName: 'x.png', contentType: 'image/png', data: Buffer.from('png bytes') });
    await store.delete(stored.documentId);
    await expect(store.read(stored.documentId)).rejects.toThrow();
  });

  it('a file whose claim never recorded it (the upload failed after storing) is deleted by the sweep; a recorded one is kept', async () => {
    const storedAt = new Date(Date.now() - 2 * 60 * 60_000);
    const orphan = await store.save({ claimId: 'c-3', originalName: 'a.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 a') }, storedAt);
    const recorded = await store.save({ claimId: 'c-3', originalName: 'b.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 b') }, storedAt);
    const fresh = await store.save({ claimId: 'c-3', originalName: 'c.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 c') });
    const deleted = await store.sweepUnconfirmed(60 * 60_000, async (claimId, documentId) => claimId === 'c-3' && documentId === recorded.documentId);
    expect(deleted).toBe(1);
    await expect(store.read(orphan.documentId)).rejects.toThrow();
    expect((await store.read(recorded.documentId)).toString()).toBe('%PDF-1.4 b');
    expect((await store.read(fresh.documentId)).toString()).toBe('%PDF-1.4 c'); // an upload still in progress is left alone
    expect(await store.sweepUnconfirmed(60 * 60_000, async () => false)).toBe(0); // the recorded one was confirmed
  });
});
