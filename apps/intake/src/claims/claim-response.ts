import type { ClaimView } from '@cpor/persistence';

/** What the partner API shows of a claim: its state plus id, version (for If-Match) and timestamps. */
export function toClaimResponse(view: ClaimView) {
  return { ...view.state, id: view._id, version: view.version, createdAt: view.createdAt, updatedAt: view.updatedAt };
}

export function toHistoryResponse(view: ClaimView) {
  return { claimId: view._id, version: view.version, entries: view.history };
}
