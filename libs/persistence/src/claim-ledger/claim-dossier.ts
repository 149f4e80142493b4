import type { Connection } from 'mongoose';
import type { ClaimState, ClaimStatus } from '@cpor/domain';
import { consentRequestModel, type ConsentRequestStatus } from '../consent-requests/consent-request.repository.js';
import { deadlineModel, type DeadlineStatus } from '../deadlines/deadline-store.js';
import { deliveryModel, type DeliveryStatus } from '../deliveries/delivery.repository.js';
import { claimModel, type ClaimRecord, type HistoryRecord } from './claim-record.js';
import { claimTransitionModel, readTransition, transitionsAfter } from './claim-transition.js';

/**
 * Everything the store holds about one claim, for operators (`npm run ops -- claim show`).
 * Read only: unlike ClaimLedger.get it never repairs a snapshot that lags its log. Secrets and
 * personal data of other stores are left out: no consent token hash, no email address, subject
 * or body of a delivery.
 */
export interface ClaimDossier {
  id: string;
  version: number;
  status: ClaimStatus;
  policyId: string;
  partnerId: string;
  createdAt: Date;
  updatedAt: Date;
  /** The claim as it stands (the newest log row's state when the snapshot lags). */
  state: ClaimState;
  history: HistoryRecord[];
  /** Log rows newer than the `claims` snapshot (a writer stopped between its two writes); the next change repairs it. */
  snapshotBehindBy: number;
  /** Transitions whose events the outbox relay has not published yet. */
  pendingOutbox: Array<{ version: number; at: Date; commandId: string | null; events: Array<{ topic: string; id: string; type: string }> }>;
  deadlines: Array<{
    id: string;
    owner: string;
    kind: string;
    epoch: number;
    dueAt: Date;
    status: DeadlineStatus;
    attempts: number;
    retryAt: Date | null;
    firedAt: Date | null;
    lastError: string | null;
  }>;
  consentRequests: Array<{ epoch: number; status: ConsentRequestStatus; deadline: Date; createdAt: Date; usedAt: Date | null; elapsedAt: Date | null }>;
  deliveries: Array<{
    ref: string;
    eventId: string;
    eventType: string;
    template: string;
    role: string;
    status: DeliveryStatus;
    attempts: number;
    createdAt: Date;
    nextAttemptAt: Date;
    sentAt: Date | null;
    lastError: string | null;
  }>;
}

/** The claim's dossier, or null when the store has no claim with this id. */
export async function readClaimDossier(connection: Connection, claimId: string): Promise<ClaimDossier | null> {
  const id = String(claimId);
  const transitions = claimTransitionModel(connection);
  const snapshot = await claimModel(connection).findById(id).lean<ClaimRecord>().exec();
  const tail = await transitionsAfter(transitions, id, snapshot?.version ?? 0);
  const newest = tail.at(-1);
  if (!snapshot && !newest) return null;
  const state = newest?.state ?? snapshot!.state;

  const [pending, deadlines, consentRequests, deliveries] = await Promise.all([
    transitions.find({ claimId: id, pending: true }).sort({ version: 1 }).lean().exec().then((rows) => rows.map(readTransition)),
    deadlineModel(connection).find({ claimId: id }).sort({ dueAt: 1 }).lean().exec(),
    consentRequestModel(connection).find({ claimId: id }).sort({ epoch: 1 }).lean().exec(),
    deliveryModel(connection).find({ claimId: id }).sort({ createdAt: 1 }).lean().exec(),
  ]);

  return {
    id,
    version: newest?.version ?? snapshot!.version,
    status: state.status,
    policyId: state.policyId,
    partnerId: state.partnerId,
    createdAt: snapshot?.createdAt ?? new Date(state.createdAt),
    updatedAt: newest ? new Date(state.updatedAt) : snapshot!.updatedAt,
    state,
    history: [...(snapshot?.history ?? []), ...tail.map((row) => row.history)],
    snapshotBehindBy: tail.length,
    pendingOutbox: pending.map((row) => ({
      version: row.version,
      at: row.at,
      commandId: row.commandId ?? null,
      events: row.outbox.map(({ topic, event }) => ({ topic, id: event.id, type: event.type })),
    })),
    deadlines: deadlines.map((row) => ({
      id: row._id,
      owner: row.owner,
      kind: row.kind,
      epoch: row.epoch,
      dueAt: row.dueAt,
      status: row.status,
      attempts: row.attempts ?? 0,
      retryAt: row.retryAt ?? null,
      firedAt: row.firedAt ?? null,
      lastError: row.lastError ?? null,
    })),
    consentRequests: consentRequests.map((row) => ({
      epoch: row.epoch,
      status: row.status,
      deadline: row.deadline,
      createdAt: row.createdAt,
      usedAt: row.usedAt ?? null,
      elapsedAt: row.elapsedAt ?? null,
    })),
    deliveries: deliveries.map((row) => ({
      ref: row.ref,
      eventId: row.eventId,
      eventType: row.eventType,
      template: row.template,
      role: row.role,
      status: row.status,
      attempts: row.attempts ?? 0,
      createdAt: row.createdAt,
      nextAttemptAt: row.nextAttemptAt,
      sentAt: row.sentAt ?? null,
      lastError: row.lastError ?? null,
    })),
  };
}
