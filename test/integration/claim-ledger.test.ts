import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { BusinessCalendar, DomainError, type Actor, type ClaimCommand } from '../../libs/domain/src/index.js';
import { ClaimLedger, claimModel, ClaimWriteLock, LeaseStore, leaseModel, OutboxRelay, openMongoConnection, outboxPendingModel, VersionConflictError, type OutboxPublisher } from '../../libs/persistence/src/index.js';
import { ManualClock } from '../support/manual-clock.js';

const partner: Actor = { kind: 'partner', id: 'user-1', partnerId: 'p-1', roles: ['incentives-admin'] };
const reviewer: Actor = { kind: 'reviewer', id: 'rev-1', roles: ['poe-reviewer'] };

function createCommand(claimId: string): Extract<ClaimCommand, { type: 'create' }> {
  return {
    type: 'create',
    claimId,
    policyId: 'cpor-2020-06',
    mpnId: '1234567',
    customer: { tenantId: randomUUID(), name: 'Contoso', domain: 'contoso.example' },
    customerContact: { name: 'Casey', email: 'casey@contoso.example' },
    partnerContact: { name: 'Pat', email: 'pat@fabrikam.example' },
    products: ['microsoft-365'],
    activity: 'deployment',
    subscriptionOrTenantId: randomUUID(),
  };
}

const poe = { documentId: 'doc-1', fileName: 'sow.pdf', contentType: 'application/pdf', size: 10, sha256: 'b'.repeat(64) };

describe('claim ledger on the real MongoDB-wire server', () => {
  let connection: Connection;
  let ledger: ClaimLedger;
  let leases: LeaseStore;
  let lock: ClaimWriteLock;
  const clock = new ManualClock();
  const published: Array<{ topic: string; id: string; type: string; key: string }> = [];
  const publisher: OutboxPublisher = {
    publish: async (records) => {
      published.push(...records.map(({ topic, event }) => ({ topic, id: event.id, type: event.type, key: event.subject })));
    },
  };

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_ledger_${randomUUID().slice(0, 8)}`);
    leases = new LeaseStore(leaseModel(connection));
    lock = new ClaimWriteLock(leases);
    ledger = new ClaimLedger(claimModel(connection), lock, clock, new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' }), 'cpor/test');
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('R12: every transition appends its history entry and its events in the same write', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    await ledger.execute(claimId, { type: 'addPoe', document: poe }, partner);
    const submitted = await ledger.execute(claimId, { type: 'submit' }, partner);
    expect(submitted.claim.version).toBe(3);
    expect(submitted.claim.status).toBe('Submitted');
    const stored = await ledger.get(claimId);
    expect(stored!.history.map((entry) => [entry.action, entry.version])).toEqual([
      ['create', 1],
      ['addPoe', 2],
      ['submit', 3],
    ]);
    const raw = await claimModel(connection).findById(claimId).lean().exec();
    expect(raw!.outbox.map((entry) => entry.event.type)).toEqual(['cpor.claim.created.v1', 'cpor.claim.poe-added.v1', 'cpor.claim.submitted.v1']);
    expect(raw!.outbox.every((entry) => entry.event.subject === claimId)).toBe(true);
  });

  it('refuses a stale version with a conflict instead of overwriting', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    await ledger.execute(claimId, { type: 'addPoe', document: poe }, partner);
    await expect(ledger.execute(claimId, { type: 'submit' }, partner, { expectedVersion: 1 })).rejects.toBeInstanceOf(VersionConflictError);
    expect((await ledger.get(claimId))!.status).toBe('Editing');
  });

  it('R10: of a partner edit and a review start racing on one version, exactly one wins', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    await ledger.execute(claimId, { type: 'addPoe', document: poe }, partner);
    await ledger.execute(claimId, { type: 'submit' }, partner);
    const results = await Promise.allSettled([
      ledger.execute(claimId, { type: 'edit', changes: { mpnId: '7654321' } }, partner, { expectedVersion: 3 }),
      ledger.execute(claimId, { type: 'startReview' }, reviewer, { expectedVersion: 3 }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(VersionConflictError);
    expect((await ledger.get(claimId))!.version).toBe(4);
  });

  it('applies a command id once: a duplicate or replay changes nothing', async () => {
    const claimId = randomUUID();
    const first = await ledger.create(createCommand(claimId), partner, { commandId: 'request-1' });
    const again = await ledger.create(createCommand(claimId), partner, { commandId: 'request-1' });
    expect(first.applied).toBe(true);
    expect(again.applied).toBe(false);
    await ledger.execute(claimId, { type: 'comment', text: 'hello' }, partner, { commandId: 'event-1' });
    const replay = await ledger.execute(claimId, { type: 'comment', text: 'hello' }, partner, { commandId: 'event-1' });
    expect(replay.applied).toBe(false);
    expect((await ledger.get(claimId))!.history).toHaveLength(2);
  });

  it('passes domain refusals through unchanged (R2: submit needs PoE)', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    await expect(ledger.execute(claimId, { type: 'submit' }, partner)).rejects.toBeInstanceOf(DomainError);
  });

  it('relays every pending event once, in order per claim, then drops it from the document', async () => {
    const relay = new OutboxRelay(claimModel(connection), leases, lock, publisher, { intervalMs: 50 });
    published.length = 0;
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    await ledger.execute(claimId, { type: 'addPoe', document: poe }, partner);
    let total = 0;
    for (let sent = await relay.relayOnce(); sent > 0; sent = await relay.relayOnce()) total += sent;
    const mine = published.filter((record) => record.key === claimId);
    expect(mine.map((record) => record.type)).toEqual(['cpor.claim.created.v1', 'cpor.claim.poe-added.v1']);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(await relay.relayOnce()).toBe(0);
    // Relayed events leave the document (Kafka has them); the history keeps their ids.
    const relayed = await claimModel(connection).findById(claimId).lean().exec();
    expect(relayed!.outbox).toEqual([]);
    expect(relayed!.outboxPending).toBe(false);
    expect(relayed!.history.flatMap((entry) => entry.eventIds)).toHaveLength(2);
    await ledger.execute(claimId, { type: 'submit' }, partner);
    await relay.relayOnce();
    expect(published.filter((record) => record.key === claimId).map((record) => record.type)).toEqual([
      'cpor.claim.created.v1',
      'cpor.claim.poe-added.v1',
      'cpor.claim.submitted.v1',
    ]);
  });

  it('a claim whose pending-marker was lost (crash between the two writes) is found again by the sweep', async () => {
    const relay = new OutboxRelay(claimModel(connection), leases, lock, publisher, { intervalMs: 50 });
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    await outboxPendingModel(connection).deleteOne({ _id: claimId }).exec();
    while ((await relay.relayOnce()) > 0) {
      // drain the others
    }
    expect(published.some((record) => record.key === claimId)).toBe(false);
    await relay.sweep();
    await relay.relayOnce();
    expect(published.filter((record) => record.key === claimId).map((record) => record.type)).toEqual(['cpor.claim.created.v1']);
  });
});
