// Integration: a PoE upload's files and the claim's record of them, on the real MongoDB-wire
// server, when the commit is refused and when its answer is lost in an outage.
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { BusinessCalendar, DomainError, type Actor } from '@cpor/domain';
import { ClaimLedger, claimModel, claimTransitionModel, openMongoConnection, PoeStore } from '@cpor/persistence';
import type { ServiceConfig } from '@cpor/platform';
import { ClaimsService } from '../../apps/intake/src/claims/claims.service.js';
import { claimFields } from '../support/lifecycle-driver.js';
import { ManualClock } from '../support/manual-clock.js';

const partner: Actor = { kind: 'partner', id: 'user-1', partnerId: 'p-1', roles: ['incentives-admin'] };
const pdf = (text: string) => ({ originalname: `${text}.pdf`, buffer: Buffer.from(`%PDF-1.7\n${text}\n%%EOF\n`), size: 20 + text.length });

describe('PoE upload on the real MongoDB-wire server', () => {
  let connection: Connection;
  let ledger: ClaimLedger;
  let poeStore: PoeStore;
  let claims: ClaimsService;

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_upload_${randomUUID().slice(0, 8)}`);
    ledger = new ClaimLedger(claimModel(connection), claimTransitionModel(connection), new ManualClock(), new BusinessCalendar({ timeZone: 'UTC' }), 'cpor/it');
    poeStore = new PoeStore(connection);
    claims = new ClaimsService(ledger, poeStore, { claimPolicyId: 'cpor-2020-06' } as ServiceConfig);
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  async function newClaim(): Promise<string> {
    const { claim } = await claims.create(partner, claimFields('upload') as never);
    return claim._id;
  }

  const stored = async (claimId: string, documentId: string) => (await poeStore.openDownload(claimId, documentId)) !== undefined;

  it('several files are one commit: all recorded, each file kept', async () => {
    const claimId = await newClaim();
    const { claim, documents } = await claims.attachPoe(partner, claimId, [pdf('a'), pdf('b'), pdf('c')]);
    expect(claim.state.poe.map((document) => document.documentId)).toEqual(documents.map((document) => document.documentId));
    expect(claim.history.filter((entry) => entry.action === 'addPoe')).toHaveLength(3);
    for (const document of documents) expect(await stored(claimId, document.documentId)).toBe(true);
  });

  it('refused by the claim: the stored files are deleted again, nothing is recorded', async () => {
    const claimId = await newClaim();
    await claims.attachPoe(partner, claimId, [pdf('first')]);
    await ledger.execute(claimId, { type: 'submit' }, partner);
    await ledger.execute(claimId, { type: 'startReview' }, { kind: 'reviewer', id: 'rev-1', roles: ['poe-reviewer'] });
    await ledger.execute(claimId, { type: 'approve' }, { kind: 'reviewer', id: 'rev-1', roles: ['poe-reviewer'] });
    const before = new Set((await ledger.get(claimId))!.state.poe.map((document) => document.documentId));
    const saved: string[] = [];
    const save = poeStore.save.bind(poeStore);
    const spy = jest.spyOn(poeStore, 'save').mockImplementation(async (...args) => {
      const result = await save(...args);
      saved.push(result.documentId);
      return result;
    });
    try {
      await expect(claims.attachPoe(partner, claimId, [pdf('late')])).rejects.toBeInstanceOf(DomainError);
    } finally {
      spy.mockRestore();
    }
    expect(saved).toHaveLength(1);
    expect(await stored(claimId, saved[0])).toBe(false);
    expect(new Set((await ledger.get(claimId))!.state.poe.map((document) => document.documentId))).toEqual(before);
  });

  it('an outage after the commit went in (its answer lost): the files the claim records are not deleted', async () => {
    const claimId = await newClaim();
    const executeInOrder = ledger.executeInOrder.bind(ledger);
    const spy = jest.spyOn(ledger, 'executeInOrder').mockImplementation(async (...args) => {
      await executeInOrder(...args);
      throw Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
    });
    try {
      await expect(claims.attachPoe(partner, claimId, [pdf('x'), pdf('y')])).rejects.toThrow('connection reset');
    } finally {
      spy.mockRestore();
    }
    const recorded = (await ledger.get(claimId))!.state.poe;
    expect(recorded).toHaveLength(2);
    for (const document of recorded) expect(await stored(claimId, document.documentId)).toBe(true);
  });

  it("a claim naming another claim's file (an upstream reference is only a name) does not get that file", async () => {
    const claimId = await newClaim();
    const { documents } = await claims.attachPoe(partner, claimId, [pdf('evidence')]);
    const other: Actor = { kind: 'partner', id: 'user-2', partnerId: 'p-2', roles: ['incentives-admin'] };
    const { claim: otherClaim } = await claims.create(other, claimFields('other') as never);
    await ledger.execute(otherClaim._id, { type: 'addPoe', document: documents[0] }, other);
    await expect(claims.openPoe(other, otherClaim._id, documents[0].documentId)).rejects.toMatchObject({ code: 'not-found' });
    const own = await claims.openPoe(partner, claimId, documents[0].documentId);
    own.content.destroy();
    expect(own.document.documentId).toBe(documents[0].documentId);
  });
});
