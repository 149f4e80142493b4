import { Injectable } from '@nestjs/common';
import { BusinessCalendar, DomainError, dueAt, getPolicy, openDispute, type Actor, type ClaimCommand, type ClaimState } from '@cpor/domain';
import { ClaimLedger, type ClaimView } from '@cpor/persistence';

/** When the reviewer's current SLA on this claim ends (R3, R4, R9), or null. */
export function slaDue(claim: ClaimState, calendar: BusinessCalendar): { sla: string; dueAt: string } | null {
  const policy = getPolicy(claim.policyId);
  const since = new Date(claim.statusChangedAt);
  if (claim.status === 'Submitted') return { sla: 'review-start', dueAt: dueAt('review-start', since, policy, calendar).toISOString() };
  if (claim.status === 'UnderReview') return { sla: 'decision', dueAt: dueAt('decision', since, policy, calendar).toISOString() };
  const dispute = claim.status === 'Rejected' ? openDispute(claim) : undefined;
  return dispute ? { sla: 'dispute-answer', dueAt: dispute.dueAt } : null;
}

/** The reviewer's use cases; the rules are in the domain library. */
@Injectable()
export class ReviewsService {
  constructor(
    private readonly ledger: ClaimLedger,
    private readonly calendar: BusinessCalendar,
  ) {}

  async queue(page: { limit: number; offset: number }) {
    const { items, total } = await this.ledger.reviewQueue(page);
    return { items: items.map((claim) => this.toQueueItem(claim)), total, ...page };
  }

  async get(claimId: string): Promise<ClaimView> {
    const claim = await this.ledger.get(claimId);
    if (!claim) throw new DomainError('not-found', `Claim ${claimId} not found`, {});
    return claim;
  }

  execute(actor: Actor, claimId: string, command: ClaimCommand, expectedVersion?: number) {
    return this.ledger.execute(claimId, command, actor, { expectedVersion });
  }

  private toQueueItem(view: ClaimView) {
    const claim = view.state;
    return {
      claimId: view._id,
      version: view.version,
      status: claim.status,
      partnerId: claim.partnerId,
      mpnId: claim.mpnId,
      customer: claim.customer,
      products: claim.products,
      activity: claim.activity,
      waitingSince: claim.status === 'Rejected' ? openDispute(claim)?.openedAt : claim.statusChangedAt,
      sla: slaDue(claim, this.calendar),
    };
  }
}
