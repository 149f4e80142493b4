import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One small marker per claim with unsent outbox events. The relay scans these instead of the
 * claims collection: FerretDB cannot use an index for `outboxPending`, and a scan of every claim
 * (with its history and outbox) on each poll grows with the whole data set.
 * Markers are written and removed under the claim's write lock, so a marker is never removed
 * while its claim still has unsent events; a periodic sweep re-creates any marker lost to a crash.
 */
export interface OutboxPendingMarker {
  _id: string;
  since: Date;
}

const markerSchema = new Schema<OutboxPendingMarker>(
  { _id: { type: String, required: true }, since: { type: Date, required: true } },
  { collection: 'outbox_pending', versionKey: false },
);

export type OutboxPendingModel = Model<OutboxPendingMarker>;

export function outboxPendingModel(connection: Connection): OutboxPendingModel {
  return (connection.models.OutboxPending as OutboxPendingModel | undefined) ?? connection.model<OutboxPendingMarker>('OutboxPending', markerSchema);
}

export async function markOutboxPending(markers: OutboxPendingModel, claimId: string): Promise<void> {
  await markers.updateOne({ _id: claimId }, { $setOnInsert: { since: new Date() } }, { upsert: true }).exec();
}
