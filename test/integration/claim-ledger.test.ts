import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { BusinessCalendar, DomainError, type Actor, type ClaimCommand } from '@cpor/domain';
import { isTransient, runInRequestContext, type RequestContext } from '@cpor/kernel';
import {
  ClaimLedger,
  claimModel,
  claimTransitionModel,
  LeaseStore,
  leaseModel,
  OutboxRelay,
  openMongoConnection,
  readTransition,
  relayBucketOf,
  transitionId,
  VersionConflictError,
  type LedgerResult,
  type OutboxPublisher,
} from '@cpor/persistence';
import { ManualClock } from '../support/manual-clock.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const partner: Actor = { kind: 'partner', id: 'user-1', partnerId: 'p-1', roles: ['incentives-admin'] };
const reviewer: Actor = { kind: 'reviewer', id: 'rev-1', roles: ['poe-reviewer'] };
const SYSTEM: Actor = { kind: 'system', id: 'review' };

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
const calendar = new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' });

describe('claim ledger on the real MongoDB-wire server', () => {
  let connection: Connection;
  let ledger: ClaimLedger;
  let leases: LeaseStore;
  const clock = new ManualClock();
  /** The claim's snapshot as stored, read straight from the store (not through the ledger). */
  const storedSnapshot = (claimId: string) => claimModel(connection).findById(claimId).lean().exec();
  const published: Array<{ topic: string; id: string; type: string; key: string; version?: number }> = [];
  const publisher: OutboxPublisher = {
    publish: async (records) => {
      published.push(...records.map(({ topic, event }) => ({ topic, id: event.id, type: event.type, key: event.subject, version: event.claimVersion })));
    },
  };
  /** A publisher that notes `<claimId>:<version>` of each lifecycle event, in publishing order. */
  const noteOrder = (order: string[]): OutboxPublisher => ({
    publish: async (records) => void order.push(...records.filter(({ event }) => event.claimVersion !== undefined).map(({ event }) => `${event.subject}:${event.claimVersion}`)),
  });
  const relayAll = async (relay: OutboxRelay) => {
    let total = 0;
    for (let sent = await relay.relayOnce(); sent > 0; sent = await relay.relayOnce()) total += sent;
    return total;
  };

  /** Another writer of the same claims (another instance or service): its own ledger, remembering nothing of `ledger`'s. */
  const anotherWriter = () => new ClaimLedger(claimModel(connection), claimTransitionModel(connection), clock, calendar, 'cpor/test');

  beforeAll(async () => {
    connection = await openMongoConnection(MONGO_URL, `cpor_it_ledger_${randomUUID().slice(0, 8)}`);
    leases = new LeaseStore(leaseModel(connection));
    ledger = new ClaimLedger(claimModel(connection), claimTransitionModel(connection), clock, calendar, 'cpor/test');
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('R12: every transition is one log row <claimId>:<version> holding its history entry and its events', async () => {
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
    const rows = (await claimTransitionModel(connection).find({ claimId }).sort({ version: 1 }).lean().exec()).map(readTransition);
    expect(rows.map((row) => row._id)).toEqual([1, 2, 3].map((version) => transitionId(claimId, version)));
    expect(rows.map((row) => row.outbox[0].event.type)).toEqual(['cpor.claim.created.v1', 'cpor.claim.poe-added.v1', 'cpor.claim.submitted.v1']);
    expect(rows.every((row) => row.pending === true && row.outbox.every((entry) => entry.event.subject === claimId))).toBe(true);
    expect(rows.map((row) => row.history.eventIds)).toEqual(rows.map((row) => row.outbox.map((entry) => entry.event.id)));
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

  it("stamps ce_correlationid: the caller's, else the request context's, else the command id; and notes the claim in the context", async () => {
    const claimId = randomUUID();
    const context: RequestContext = { service: 'intake', correlationId: 'http-corr-1' };
    const created = await runInRequestContext(context, () => ledger.create(createCommand(claimId), partner, { commandId: 'http:abc' }));
    expect(created.events.map((event) => [event.correlationId, event.causationId])).toEqual([['http-corr-1', 'http:abc']]);
    expect(context.claimId).toBe(claimId);
    const explicit = await runInRequestContext({ correlationId: 'record-corr' }, () =>
      ledger.execute(claimId, { type: 'comment', text: 'from an event' }, partner, { commandId: 'event-2', correlationId: 'event-corr' }),
    );
    expect(explicit.events[0]!.correlationId).toBe('event-corr');
    const outside = await ledger.execute(claimId, { type: 'comment', text: 'from a deadline' }, partner, { commandId: 'deadline-1' });
    expect(outside.events[0]).toMatchObject({ correlationId: 'deadline-1', causationId: 'deadline-1' });
  });

  it('passes domain refusals through unchanged (R2: submit needs PoE)', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    await expect(ledger.execute(claimId, { type: 'submit' }, partner)).rejects.toBeInstanceOf(DomainError);
  });

  it("commits a creation and its request's next commands in one insert, each its own transition, and a replay of them changes nothing", async () => {
    const claimId = randomUUID();
    const then = [
      { command: { type: 'addPoe', document: poe } as ClaimCommand, options: { commandId: 'req-9:poe:0' } },
      { command: { type: 'submit' } as ClaimCommand, options: { commandId: 'req-9:submit' } },
    ];
    const before = { ...ledger.stats };
    const created = await ledger.create(createCommand(claimId), partner, { commandId: 'req-9' }, then);
    // The ordered insert of three rows and the snapshot's insert: 2 round trips for 3 transitions.
    expect(ledger.stats.roundTrips - before.roundTrips).toBe(2);
    expect(ledger.stats.transitions - before.transitions).toBe(3);
    expect(created.applied).toBe(true);
    expect(created.claim).toMatchObject({ version: 3, status: 'Submitted' });
    expect(created.events.map((event) => [event.type, event.claimVersion])).toEqual([
      ['cpor.claim.created.v1', 1],
      ['cpor.claim.poe-added.v1', 2],
      ['cpor.claim.submitted.v1', 3],
    ]);
    const rows = await claimTransitionModel(connection).find({ claimId }).sort({ version: 1 }).lean().exec();
    expect(rows.map((row) => [row._id, row.commandId])).toEqual([
      [transitionId(claimId, 1), 'req-9'],
      [transitionId(claimId, 2), 'req-9:poe:0'],
      [transitionId(claimId, 3), 'req-9:submit'],
    ]);
    const replay = await ledger.create(createCommand(claimId), partner, { commandId: 'req-9' }, then);
    expect(replay.applied).toBe(false);
    expect(replay.events).toEqual([]);
    expect((await ledger.get(claimId))!.history.map((entry) => entry.version)).toEqual([1, 2, 3]);
  });

  it('a later refusal commits the commands before it, then answers the refusal', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    const steps = [
      { command: { type: 'comment', text: 'first' } as ClaimCommand, options: { commandId: 'req-10:comment' } },
      { command: { type: 'submit' } as ClaimCommand, options: { commandId: 'req-10:submit' } },
    ];
    await expect(ledger.executeInOrder(claimId, steps, partner)).rejects.toMatchObject({ code: 'invalid-state' });
    const claim = await storedSnapshot(claimId);
    expect(claim!.history.map((entry) => entry.action)).toEqual(['create', 'comment']);
    expect(claim!.version).toBe(2);
  });

  it('several callers each applying commands in order on one claim: every command once, versions gap-free, duplicates of one request absorbed', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    const request = (n: number) => [1, 2, 3].map((step) => ({ command: { type: 'comment', text: `r${n}.${step}` } as ClaimCommand, options: { commandId: `req-${n}:${step}`, retryOnConflict: true } }));
    // Eight requests, each delivered twice at once (a redelivery racing its first delivery).
    await Promise.all([...Array(8).keys()].flatMap((n) => [ledger.executeInOrder(claimId, request(n), partner), ledger.executeInOrder(claimId, request(n), partner)]));
    const stored = await ledger.get(claimId);
    const comments = stored!.history.filter((entry) => entry.action === 'comment');
    expect(comments).toHaveLength(24);
    expect(stored!.history.map((entry) => entry.version)).toEqual([...Array(25).keys()].map((index) => index + 1));
    // In the log: each command once, each request's commands in its own order.
    const logged = (await claimTransitionModel(connection).find({ claimId }).sort({ version: 1 }).lean().exec()).map((row) => row.commandId);
    for (let n = 0; n < 8; n++) {
      expect(logged.filter((id) => id?.startsWith(`req-${n}:`))).toEqual([1, 2, 3].map((step) => `req-${n}:${step}`));
    }
  });

  it('a snapshot left behind the log (a writer died between its two writes) is caught up by readers and writers', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    await anotherWriter().execute(claimId, { type: 'addPoe', document: poe }, partner);
    // Put the snapshot back to version 1, as if the addPoe writer had died after its log insert.
    const snapshots = claimModel(connection);
    const v1 = await ledger.get(claimId);
    await snapshots.collection.replaceOne({ _id: claimId } as never, { ...(await snapshots.findById(claimId).lean().exec())!, version: 1, history: v1!.history.slice(0, 1), state: readTransition((await claimTransitionModel(connection).findById(transitionId(claimId, 1)).lean().exec())!).state } as never);
    expect((await snapshots.findById(claimId).lean().exec())!.version).toBe(1);

    const seen = await ledger.get(claimId);
    expect(seen!.version).toBe(2);
    expect(seen!.state.poe).toHaveLength(1);
    const submitted = await ledger.execute(claimId, { type: 'submit' }, partner);
    expect(submitted.claim.version).toBe(3);
    const stored = await snapshots.findById(claimId).lean().exec();
    expect(stored!.history.map((entry) => entry.version)).toEqual([1, 2, 3]);
    expect(stored!.status).toBe('Submitted');
  });

  it("of two writers overlapping on one claim, the later one's snapshot is not dropped: it catches up from what the earlier one wrote", async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    const claims = claimModel(connection);
    /** The claims model, with each snapshot update held until `before` resolves. */
    const holdingUpdates = (before: () => Promise<unknown>) =>
      new Proxy(claims, {
        get(target, property, receiver) {
          if (property !== 'updateOne') return Reflect.get(target, property, receiver);
          return (...args: Parameters<typeof target.updateOne>) => {
            const query = target.updateOne(...args);
            return { exec: async () => (await before(), query.exec()) };
          };
        },
      });
    let letEarlierWrite!: () => void;
    const earlierMayWrite = new Promise<void>((resolve) => (letEarlierWrite = resolve));
    let earlierWaits!: () => void;
    const earlierIsWaiting = new Promise<void>((resolve) => (earlierWaits = resolve));
    // The earlier writer: its log row is in, its snapshot write held until the later writer has read.
    const earlierLedger = new ClaimLedger(holdingUpdates(() => (earlierWaits(), earlierMayWrite)), claimTransitionModel(connection), clock, calendar, 'cpor/test');
    const earlier = earlierLedger.execute(claimId, { type: 'addPoe', document: poe }, partner);
    await earlierIsWaiting;
    // The later writer reads the snapshot at version 1, conflicts on row 2 and finds it in the log,
    // commits row 3; its snapshot write (filtered on version 1) goes only after the earlier one's
    // has moved the snapshot to 2, so it matches nothing.
    const laterLedger = new ClaimLedger(holdingUpdates(() => (letEarlierWrite(), earlier)), claimTransitionModel(connection), clock, calendar, 'cpor/test');
    const later = await laterLedger.execute(claimId, { type: 'comment', text: 'overlapping' }, partner, { commandId: `comment-${claimId}`, retryOnConflict: true });
    expect((await earlier).claim.version).toBe(2);
    expect(later.claim.version).toBe(3);
    const stored = await claims.findById(claimId).lean().exec();
    expect(stored!.version).toBe(3);
    expect(stored!.history.map((entry) => entry.version)).toEqual([1, 2, 3]);
  });

  // Decided by a writer that reads the lagging snapshot, and by `ledger`, which remembers the claim at version 1.
  for (const decider of ['a writer reading the snapshot', 'a ledger remembering version 1'] as const) {
    const deciding = () => (decider === 'a ledger remembering version 1' ? ledger : anotherWriter());

    it(`a command refused on a lagging snapshot is decided again on the log: an event relayed before its writer advanced the snapshot is not lost (${decider})`, async () => {
      const claimId = randomUUID();
      await ledger.create(createCommand(claimId), partner);
      const v1 = await storedSnapshot(claimId);
      await anotherWriter().execute(claimId, { type: 'addPoe', document: poe }, partner);
      // The snapshot still at version 1 (no PoE): the addPoe writer has not advanced it yet.
      await claimModel(connection).collection.replaceOne({ _id: claimId } as never, v1 as never);
      const submitted = await deciding().execute(claimId, { type: 'submit' }, partner);
      expect(submitted.applied).toBe(true);
      expect(submitted.claim.version).toBe(3);
      expect(submitted.claim.status).toBe('Submitted');
      // A refusal on the log's newest state is still a refusal.
      await expect(deciding().execute(claimId, { type: 'addPoe', document: poe }, partner)).rejects.toBeInstanceOf(DomainError);
    });

    it(`a condition (onlyIf) that does not hold applies nothing and answers the claim; it is judged on the log, not on a lagging snapshot (${decider})`, async () => {
      const claimId = randomUUID();
      await ledger.create(createCommand(claimId), partner);
      const v1 = await storedSnapshot(claimId);
      const skipped = await ledger.execute(claimId, { type: 'comment', text: 'only with PoE' }, partner, { onlyIf: (state) => state.poe.length > 0 });
      expect(skipped).toMatchObject({ applied: false, events: [] });
      expect(skipped.claim.version).toBe(1);
      await anotherWriter().execute(claimId, { type: 'addPoe', document: poe }, partner);
      // The snapshot still at version 1 (no PoE): the condition holds on the log's newest row.
      await claimModel(connection).collection.replaceOne({ _id: claimId } as never, v1 as never);
      const applied = await deciding().execute(claimId, { type: 'comment', text: 'only with PoE' }, partner, { onlyIf: (state) => state.poe.length > 0 });
      expect(applied.applied).toBe(true);
      expect(applied.claim.history.map((entry) => entry.action)).toEqual(['create', 'addPoe', 'comment']);
    });
  }

  it('a writer that loses to a row its lagging snapshot lacks repairs the snapshot, so the conflict it answers is not answered again', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    const v1 = await storedSnapshot(claimId);
    await anotherWriter().execute(claimId, { type: 'addPoe', document: poe }, partner);
    // The addPoe writer's snapshot write failed (the store went away between its two writes).
    await claimModel(connection).collection.replaceOne({ _id: claimId } as never, v1 as never);
    const another: ClaimCommand = { type: 'addPoe', document: { ...poe, documentId: 'doc-2' } };
    // An HTTP command (no retry on conflict) of a writer that reads the snapshot decides on version 1 and loses to row 2: a 409...
    const reader = anotherWriter();
    await expect(reader.execute(claimId, another, partner)).rejects.toMatchObject({ code: 'version-conflict', currentVersion: 2 });
    // ...with the snapshot repaired, so any writer's retry (here one that reads it) is decided on the log's newest state, not refused again forever.
    expect((await storedSnapshot(claimId))!.version).toBe(2);
    const retried = await anotherWriter().execute(claimId, another, partner);
    expect(retried.claim.version).toBe(3);
    expect((await storedSnapshot(claimId))?.version).toBe(3);
  });

  it('the next command on a claim the ledger wrote last is decided on its copy (two round trips); a copy another writer moved past loses once, is decided on the log, and is no conflict for the caller', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    let before = { ...ledger.stats };
    await ledger.execute(claimId, { type: 'addPoe', document: poe }, partner);
    expect(ledger.stats.roundTrips - before.roundTrips).toBe(2);

    // Another writer moves the claim on: the ledger's copy (version 2) is old now.
    await anotherWriter().execute(claimId, { type: 'comment', text: 'from elsewhere' }, partner);
    before = { ...ledger.stats };
    // An HTTP command (no retry on conflict, no If-Match): applied on the newest state, not a 409.
    const submitted = await ledger.execute(claimId, { type: 'submit' }, partner);
    expect(ledger.stats.conflicts - before.conflicts).toBe(1);
    expect(submitted.claim.version).toBe(4);
    expect(submitted.claim.history.map((entry) => entry.action)).toEqual(['create', 'addPoe', 'comment', 'submit']);

    // What a caller does with the claim it was given does not change the ledger's copy.
    submitted.claim.state.poe.length = 0;
    const commented = await ledger.execute(claimId, { type: 'comment', text: 'mine' }, partner, { commandId: `mine-${claimId}` });
    expect(commented.claim.state.poe).toHaveLength(1);

    // A duplicate is answered with the newest claim, not with the old copy.
    await anotherWriter().execute(claimId, { type: 'comment', text: 'from elsewhere again' }, partner);
    const duplicate = await ledger.execute(claimId, { type: 'comment', text: 'mine' }, partner, { commandId: `mine-${claimId}` });
    expect(duplicate).toMatchObject({ applied: false, claim: { version: 6 } });
    const stored = await storedSnapshot(claimId);
    expect(stored!.history.map((entry) => entry.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('If-Match on a remembered copy that a dead writer moved past: 412 (the precondition), the snapshot repaired, and the next command decided on the newest state', async () => {
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    const v1 = await storedSnapshot(claimId);
    // Another writer commits version 2 and dies before advancing the snapshot.
    await anotherWriter().execute(claimId, { type: 'addPoe', document: poe }, partner);
    await claimModel(connection).collection.replaceOne({ _id: claimId } as never, v1 as never);
    // A client that read version 1 (from a list, which reads snapshots) names it.
    await expect(ledger.execute(claimId, { type: 'comment', text: 'as of 1' }, partner, { expectedVersion: 1 })).rejects.toMatchObject({ code: 'version-conflict', precondition: true, currentVersion: 2 });
    expect((await storedSnapshot(claimId))!.version).toBe(2);
    // The ledger's copy moved on with what it read: the client's next try, as of version 2, is applied at once.
    const before = { ...ledger.stats };
    const commented = await ledger.execute(claimId, { type: 'comment', text: 'as of 2' }, partner, { expectedVersion: 2 });
    expect(commented.claim.version).toBe(3);
    expect(ledger.stats.conflicts - before.conflicts).toBe(0);
    expect(ledger.stats.roundTrips - before.roundTrips).toBe(2);
  });

  it('a claim the store lost (acknowledged writes gone, as after a restore) makes the ledger forget every copy it remembered', async () => {
    const claimId = randomUUID();
    const other = randomUUID();
    const forgetful = anotherWriter();
    await forgetful.create(createCommand(claimId), partner);
    await forgetful.execute(claimId, { type: 'addPoe', document: poe }, partner);
    await forgetful.create(createCommand(other), partner);
    // The store loses version 2 of the claim (its row and the snapshot's step to it).
    await claimTransitionModel(connection).deleteOne({ _id: transitionId(claimId, 2) }).exec();
    const v1 = readTransition((await claimTransitionModel(connection).findById(transitionId(claimId, 1)).lean().exec())!);
    await claimModel(connection).updateOne({ _id: claimId }, { $set: { version: 1, state: v1.state }, $pop: { history: 1, appliedCommandIds: 1 } }).exec();
    // Deciding on its copy (version 2), the ledger commits version 3 above the gap, then finds the log ends at 1.
    await forgetful.execute(claimId, { type: 'comment', text: 'on a copy ahead of the store' }, partner);
    // It remembers nothing now, not even the claim it found it on: the next command on either reads the snapshot (three round trips).
    for (const id of [claimId, other]) {
      const before = { ...forgetful.stats };
      await forgetful.execute(id, { type: 'comment', text: 'read again' }, partner);
      expect(forgetful.stats.roundTrips - before.roundTrips).toBe(3);
    }
  });

  it('relays every pending event once, in order per claim, in one batch, and the rows leave the pending set', async () => {
    const relay = new OutboxRelay(claimTransitionModel(connection), leases, publisher, { intervalMs: 50 });
    await relayAll(relay);
    published.length = 0;
    const claimIds = [randomUUID(), randomUUID()];
    for (const claimId of claimIds) {
      await ledger.create(createCommand(claimId), partner);
      await ledger.execute(claimId, { type: 'addPoe', document: poe }, partner);
    }
    expect(await relayAll(relay)).toBe(4);
    for (const claimId of claimIds) {
      expect(published.filter((record) => record.key === claimId).map((record) => record.type)).toEqual(['cpor.claim.created.v1', 'cpor.claim.poe-added.v1']);
    }
    expect(await relay.relayOnce()).toBe(0);
    expect(await claimTransitionModel(connection).countDocuments({ pending: true }).exec()).toBe(0);
    await ledger.execute(claimIds[0], { type: 'submit' }, partner);
    await relay.relayOnce();
    expect(published.filter((record) => record.key === claimIds[0]).map((record) => record.type)).toEqual([
      'cpor.claim.created.v1',
      'cpor.claim.poe-added.v1',
      'cpor.claim.submitted.v1',
    ]);
    await relay.stop();
  });

  it('a row stores the claim state once; the relay publishes each lifecycle event with the claim as it stood after the change', async () => {
    const events: Array<{ topic: string; data: Record<string, unknown> }> = [];
    const relay = new OutboxRelay(
      claimTransitionModel(connection),
      leases,
      { publish: async (records) => void events.push(...records.map(({ topic, event }) => ({ topic, data: event.data as Record<string, unknown> }))) },
      { intervalMs: 50 },
    );
    await relayAll(relay);
    events.length = 0;
    const claimId = randomUUID();
    await ledger.create(createCommand(claimId), partner);
    const row = readTransition((await claimTransitionModel(connection).findById(transitionId(claimId, 1)).lean().exec())!);
    expect((row.outbox[0].event.data as Record<string, unknown>).claim).toBeUndefined();
    await relayAll(relay);
    const created = events.find((event) => event.data.claimId === claimId)!;
    expect(created.data.claim).toEqual(row.state);
    expect((created.data.claim as { status: string }).status).toBe('Editing');
    await relay.stop();
  });

  it('takes the pending set in one query and publishes it in producer batches, each acknowledged before the next', async () => {
    const batches: number[][] = [];
    const relay = new OutboxRelay(
      claimTransitionModel(connection),
      leases,
      {
        publish: async (records) => {
          const stillPending = await claimTransitionModel(connection).countDocuments({ pending: true }).exec();
          batches.push([records.length, stillPending]);
        },
      },
      { intervalMs: 50, batchSize: 2 },
    );
    await relayAll(relay);
    batches.length = 0;
    for (let i = 0; i < 5; i++) await ledger.create(createCommand(randomUUID()), partner);
    expect(await relay.relayOnce()).toBe(5);
    // Three batches of 2, 2 and 1 from one read: before each, the earlier batches were acknowledged.
    expect(batches).toEqual([
      [2, 5],
      [2, 3],
      [1, 1],
    ]);
    expect(await relay.relayOnce()).toBe(0);
    await relay.stop();
  });

  it('rows the store returns out of commit order still go out in commit order per claim, and each round publishes the earliest of each claim it read', async () => {
    const model = claimTransitionModel(connection);
    const order: string[] = [];
    const relay = new OutboxRelay(model, new LeaseStore(leaseModel(connection)), noteOrder(order), { intervalMs: 50, readLimit: 3 });
    await relayAll(relay);
    order.length = 0;
    const [a, b] = [`a-${randomUUID()}`, `b-${randomUUID()}`];
    for (const claimId of [a, b]) await ledger.create(createCommand(claimId), partner);
    await ledger.execute(a, { type: 'addPoe', document: poe }, partner);
    await ledger.execute(a, { type: 'submit' }, partner);
    // Store the pending rows again in another order, as a table reusing freed space may return them:
    // a:3, a:1, b:1, a:2. The relay reads 3 rows at a time and sorts nothing in the store.
    const rows = await model.find({ pending: true }).lean().exec();
    expect(rows.map((row) => row._id).sort()).toEqual([`${a}:1`, `${a}:2`, `${a}:3`, `${b}:1`].sort());
    await model.deleteMany({ pending: true }).exec();
    const byId = new Map(rows.map((row) => [row._id, row]));
    for (const id of [`${a}:3`, `${a}:1`, `${b}:1`, `${a}:2`]) await model.collection.insertOne(byId.get(id) as never);

    expect(await relayAll(relay)).toBeGreaterThan(0);
    const ofClaim = (claimId: string) => order.filter((entry) => entry.startsWith(`${claimId}:`));
    expect(ofClaim(a)).toEqual([`${a}:1`, `${a}:2`, `${a}:3`]);
    expect(ofClaim(b)).toEqual([`${b}:1`]);
    expect(await model.countDocuments({ pending: true }).exec()).toBe(0);
    await relay.stop();
  });

  it('works off a backlog larger than one read a bucket at a time: every event once, in order per claim, a row without a bucket included', async () => {
    const model = claimTransitionModel(connection);
    const filters: Array<Record<string, unknown>> = [];
    // The relay's reads, seen on their way to the store.
    const watched = new Proxy(model, {
      get(target, property, receiver) {
        if (property !== 'find') return Reflect.get(target, property, receiver) as unknown;
        return (filter: Record<string, unknown>, ...rest: unknown[]) => {
          filters.push(filter);
          return Reflect.apply(target.find, target, [filter, ...rest]) as unknown;
        };
      },
    });
    const order: string[] = [];
    const relay = new OutboxRelay(watched, new LeaseStore(leaseModel(connection)), noteOrder(order), { intervalMs: 50, readLimit: 2 });
    await relayAll(relay);
    order.length = 0;
    filters.length = 0;
    const claimIds = Array.from({ length: 6 }, () => randomUUID());
    for (const claimId of claimIds) {
      await ledger.create(createCommand(claimId), partner);
      await ledger.execute(claimId, { type: 'addPoe', document: poe }, partner);
    }
    // The raw collection: the models refuse query operators from outside the store's code.
    const rows = await model.collection.find({ claimId: { $in: claimIds } }).toArray();
    expect(rows).toHaveLength(12);
    expect(rows.every((row) => row.pending === true && row.relayBucket === relayBucketOf(row.claimId as string))).toBe(true);
    // A row written before rows had buckets: only a read of the whole pending set finds it.
    await model.updateOne({ _id: transitionId(claimIds[0], 2) }, { $unset: { relayBucket: '' } }).exec();

    await relayAll(relay);
    for (const claimId of claimIds) expect(order.filter((entry) => entry.startsWith(`${claimId}:`))).toEqual([`${claimId}:1`, `${claimId}:2`]);
    expect(order).toHaveLength(12);
    expect(await model.collection.countDocuments({ claimId: { $in: claimIds }, $or: [{ pending: true }, { relayBucket: { $exists: true } }] })).toBe(0);
    // The first read came back full (2 of 12): the next ones asked for one bucket each.
    expect(filters[0]).toEqual({ pending: true });
    expect(filters.slice(1).some((filter) => typeof filter.relayBucket === 'number')).toBe(true);
    expect(filters.at(-1)).toEqual({ pending: true });
    await relay.stop();
  });

  it('while one relay holds the relay lease, another publishes nothing', async () => {
    const first = new OutboxRelay(claimTransitionModel(connection), new LeaseStore(leaseModel(connection)), publisher, { intervalMs: 50 });
    const second = new OutboxRelay(claimTransitionModel(connection), new LeaseStore(leaseModel(connection)), publisher, { intervalMs: 50 });
    await relayAll(first);
    await ledger.create(createCommand(randomUUID()), partner);
    expect(await second.relayOnce()).toBe(0);
    expect(await first.relayOnce()).toBe(1);
    await first.stop();
    await second.stop();
  });
});

/**
 * The loss measured under load came from a lease that expired while its holder was still
 * writing. Here every store reply is slowed through a proxy and the store is frozen mid-write,
 * with writers of every kind racing on one claim: every acknowledged command must be in the
 * history exactly once, versions without gap, and each event published under one id only.
 */
describe('claim ledger with concurrent writers on a slow and paused store', () => {
  const target = new URL(MONGO_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 27017));
  const dbName = `cpor_it_race_${randomUUID().slice(0, 8)}`;
  const connections: Connection[] = [];
  const ledgers: ClaimLedger[] = [];
  const clock = new ManualClock();

  beforeAll(async () => {
    const port = await proxy.start();
    // Three "services", each with its own connection pool through the proxy.
    for (let i = 0; i < 3; i++) {
      const connection = await openMongoConnection(`mongodb://127.0.0.1:${port}`, dbName);
      connections.push(connection);
      ledgers.push(new ClaimLedger(claimModel(connection), claimTransitionModel(connection), clock, calendar, `cpor/race-${i}`));
    }
  });

  afterAll(async () => {
    proxy.resume();
    await connections[0]?.dropDatabase().catch(() => undefined);
    for (const connection of connections) await connection.close();
    await proxy.close();
  });

  /** A claim created with one PoE file and submitted (version 3). */
  const createSubmitted = (claimId: string) =>
    ledgers[0].create(createCommand(claimId), partner, { commandId: claimId }, [
      { command: { type: 'addPoe', document: poe }, options: { commandId: `${claimId}:poe` } },
      { command: { type: 'submit' }, options: { commandId: `${claimId}:submit` } },
    ]);

  /**
   * A ledger whose snapshots are read and written at full speed and whose log goes through the
   * proxy: with replies held longer than the driver's probe waits (3 s: connectTimeoutMS), its
   * inserts reach the store and are applied, and the driver fails the operations in flight.
   */
  const ledgerWithLogThroughProxy = async (name: string) => {
    const direct = await openMongoConnection(MONGO_URL, dbName);
    return { direct, unsure: new ClaimLedger(claimModel(direct), claimTransitionModel(connections[1]), clock, calendar, name) };
  };

  it('every acknowledged command is in the history exactly once; no version twice; one id per event', async () => {
    const [intake, review, consent] = ledgers;
    const claimId = randomUUID();
    await intake.create(createCommand(claimId), partner, { commandId: `create-${claimId}` });
    await intake.execute(claimId, { type: 'addPoe', document: poe }, partner);
    await intake.execute(claimId, { type: 'submit' }, partner);
    proxy.delayReplies(150);

    const acknowledged: Array<{ who: string; result: LedgerResult; commandId?: string }> = [];
    const refusals: Array<{ who: string; error: unknown }> = [];
    const attempt = async (who: string, run: () => Promise<LedgerResult>, commandId?: string) => {
      try {
        acknowledged.push({ who, result: await run(), commandId });
      } catch (error) {
        refusals.push({ who, error });
      }
    };
    // Upstream commands (each delivered twice at once), a deadline firing twice (two instances),
    // partner HTTP comments with If-Match, and a reviewer starting the review with retries.
    const upstream = Array.from({ length: 6 }, (_, i) => `upstream-${i}`).flatMap((commandId, i) => [
      attempt('upstream', () => intake.execute(claimId, { type: 'comment', text: `upstream ${i}` }, partner, { commandId, retryOnConflict: true }), commandId),
      attempt('upstream', () => consent.execute(claimId, { type: 'comment', text: `upstream ${i}` }, partner, { commandId, retryOnConflict: true }), commandId),
    ]);
    const deadline = `review:review-start:${claimId}:1`;
    const deadlines = [review, consent].map((ledger) =>
      attempt('deadline', () => ledger.execute(claimId, { type: 'recordSlaBreach', sla: 'review-start' }, SYSTEM, { commandId: deadline, retryOnConflict: true }), deadline),
    );
    const partnerHttp = Array.from({ length: 4 }, (_, i) =>
      attempt('partner', async () => {
        const seen = await intake.get(claimId);
        return intake.execute(claimId, { type: 'comment', text: `partner ${i}` }, partner, { expectedVersion: seen!.version });
      }),
    );
    const reviewerHttp = attempt('reviewer', async () => {
      for (let tries = 0; ; tries++) {
        const seen = await review.get(claimId);
        try {
          return await review.execute(claimId, { type: 'startReview' }, reviewer, { expectedVersion: seen!.version });
        } catch (error) {
          if (!(error instanceof VersionConflictError) || tries > 20) throw error;
        }
      }
    });
    const all = Promise.all([...upstream, ...deadlines, ...partnerHttp, reviewerHttp]);
    // Freeze the store mid-write for two seconds.
    await new Promise((resolve) => setTimeout(resolve, 400));
    proxy.pause();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    proxy.resume();
    await all;
    proxy.delayReplies(0);

    // Only HTTP writers with a stale If-Match may be refused with a conflict; the review-start
    // deadline is moot (refused by the domain) if the reviewer started first, as in the poller.
    for (const { who, error } of refusals) {
      if (who === 'deadline') expect(error).toBeInstanceOf(DomainError);
      else {
        expect(who).toBe('partner');
        expect(error).toBeInstanceOf(VersionConflictError);
      }
    }
    expect(acknowledged.filter((entry) => entry.who === 'upstream')).toHaveLength(12);
    expect(acknowledged.filter((entry) => entry.who === 'reviewer')).toHaveLength(1);

    const claim = (await intake.get(claimId))!;
    const rows = (await claimTransitionModel(connections[0]).find({ claimId }).sort({ version: 1 }).lean().exec()).map(readTransition);
    // The log has no gap and no version twice, and the snapshot agrees with it.
    expect(rows.map((row) => row.version)).toEqual(Array.from({ length: claim.version }, (_, i) => i + 1));
    expect(claim.history.map((entry) => entry.version)).toEqual(rows.map((row) => row.version));
    // Every acknowledged transition is in the history once, as the version it was acknowledged with.
    for (const { result } of acknowledged.filter((entry) => entry.result.applied)) {
      const entry = claim.history.find((item) => item.version === result.claim.version)!;
      expect(entry.eventIds).toEqual(result.events.map((event) => event.id));
    }
    // Each command id applied exactly once, whatever the duplicates and retries.
    for (const commandId of Array.from({ length: 6 }, (_, i) => `upstream-${i}`)) {
      expect(rows.filter((row) => row.commandId === commandId)).toHaveLength(1);
    }
    expect(rows.filter((row) => row.commandId === deadline).length).toBe(acknowledged.some((entry) => entry.who === 'deadline') ? 1 : 0);
    expect(claim.history.filter((entry) => entry.action === 'startReview')).toHaveLength(1);
    expect(claim.status).toBe('UnderReview');
    const eventIds = rows.flatMap((row) => row.outbox.map((entry) => entry.event.id));
    expect(new Set(eventIds).size).toBe(eventIds.length);
  });

  it("a log insert whose answer is lost (the store slower than the driver's health probe, which then fails what is in flight) is sent again and answered as applied, once", async () => {
    const [intake] = ledgers;
    proxy.delayReplies(0);
    const claimIds = Array.from({ length: 6 }, () => randomUUID());
    for (const claimId of claimIds) await createSubmitted(claimId);
    const { unsure, direct } = await ledgerWithLogThroughProxy('cpor/unsure');
    // Connections made before the store slows down, so the inserts go out at once (a connection
    // made while replies are held fails its handshake: nothing sent, an outage like any other).
    await Promise.all(Array.from({ length: 8 }, () => claimTransitionModel(connections[1]).findById(`warm-${randomUUID()}`).exec()));
    try {
      proxy.delayReplies(8_000);
      // Partner HTTP comments without an Idempotency-Key or If-Match: nothing would tell a retry from a new command.
      const http = (work: () => Promise<LedgerResult>) => runInRequestContext({ origin: 'http', correlationId: randomUUID() }, work);
      // Half of them an upload of two files: commands committed together, one ordered insert of two rows.
      const command = (claimId: string, index: number) =>
        index % 2 === 0
          ? unsure.execute(claimId, { type: 'comment', text: `lost answer ${claimId}` }, partner)
          : unsure.executeInOrder(
              claimId,
              [0, 1].map((file) => ({ command: { type: 'addPoe', document: { ...poe, documentId: `${claimId}-${file}` } } as ClaimCommand, options: { commandId: `upload:${claimId}:${file}` } })),
              partner,
            );
      const settled = Promise.allSettled(claimIds.map((claimId, index) => http(() => command(claimId, index))));
      await new Promise((resolve) => setTimeout(resolve, 9_000));
      proxy.delayReplies(0);
      const outcomes = await settled;
      expect(unsure.stats.resentInserts).toBeGreaterThan(0);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeGreaterThan(0);
      // Answered as applied means applied once; an outage answered means nothing applied.
      for (const [index, claimId] of claimIds.entries()) {
        const claim = (await intake.get(claimId))!;
        const applied = outcomes[index].status === 'fulfilled';
        if (!applied) expect(isTransient((outcomes[index] as PromiseRejectedResult).reason)).toBe(true);
        if (index % 2 === 0) {
          expect(claim.history.filter((entry) => entry.action === 'comment')).toHaveLength(applied ? 1 : 0);
          expect(claim.version).toBe(applied ? 4 : 3);
        } else {
          expect(claim.state.poe.map((document) => document.documentId)).toEqual([poe.documentId, ...(applied ? [`${claimId}-0`, `${claimId}-1`] : [])]);
          expect(claim.version).toBe(applied ? 5 : 3);
        }
      }
    } finally {
      proxy.delayReplies(0);
      await direct.close();
    }
  });

  it("a consumed record's command whose insert answer is lost fails at once (not held: its handler retries), and its retry under the same command id applies it once", async () => {
    proxy.delayReplies(0);
    const claimId = randomUUID();
    await createSubmitted(claimId);
    const { unsure, direct } = await ledgerWithLogThroughProxy('cpor/unsure-record');
    const record = (work: () => Promise<LedgerResult>) => runInRequestContext({ origin: 'record', topic: 'cpor.claim-requests.v1', correlationId: randomUUID() }, work);
    const command = () => record(() => unsure.execute(claimId, { type: 'comment', text: 'from a record' }, partner, { commandId: `record:${claimId}`, retryOnConflict: true }));
    try {
      proxy.delayReplies(8_000);
      const failure = await command().catch((error: unknown) => error);
      expect(isTransient(failure)).toBe(true);
      expect(unsure.stats.resentInserts).toBe(0);
      proxy.delayReplies(0);
      // The handler's retry: the first attempt's row is in (its answer was lost), so nothing is applied twice.
      const retried = await waitFor(() => command().catch((error: unknown) => (isTransient(error) ? undefined : Promise.reject(error))), {
        timeoutMs: 15_000,
        message: 'the retried command answered once the store is fast again',
      });
      expect(retried.claim.history.filter((entry) => entry.action === 'comment')).toHaveLength(1);
    } finally {
      proxy.delayReplies(0);
      await direct.close();
    }
  });

  it('a store outage during commands committed together is an outage (retried), never a fault of the request; the retry applies each once', async () => {
    const [intake] = ledgers;
    proxy.delayReplies(0);
    const claimId = randomUUID();
    const then = [
      { command: { type: 'addPoe', document: poe } as ClaimCommand, options: { commandId: `${claimId}:poe:0` } },
      { command: { type: 'submit' } as ClaimCommand, options: { commandId: `${claimId}:submit` } },
    ];
    await intake.create(createCommand(claimId), partner, { commandId: claimId });
    // The creation is in; the store goes down before the rest (as a consumer retrying a request would meet it).
    await proxy.cut();
    const failure = await intake.executeInOrder(claimId, then, partner).catch((error: unknown) => error);
    // What the ledger's ordered insert meets: the driver wraps the refused connection in a
    // MongoBulkWriteError that keeps only the message.
    const bulkFailure = await claimTransitionModel(connections[1])
      .collection.insertMany([{ _id: `${claimId}:x1` }, { _id: `${claimId}:x2` }] as never[], { ordered: true })
      .catch((error: unknown) => error);
    await proxy.restore();
    expect(failure).toBeInstanceOf(Error);
    expect(isTransient(failure)).toBe(true);
    expect(bulkFailure).toBeInstanceOf(Error);
    expect(isTransient(bulkFailure)).toBe(true);
    const retried = await intake.create(createCommand(claimId), partner, { commandId: claimId }, then);
    expect(retried.claim).toMatchObject({ version: 3, status: 'Submitted' });
    const rows = (await claimTransitionModel(connections[0]).find({ claimId }).sort({ version: 1 }).lean().exec()).map(readTransition);
    expect(rows.map((row) => row.commandId)).toEqual([claimId, `${claimId}:poe:0`, `${claimId}:submit`]);
  });
});
