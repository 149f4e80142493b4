import { Injectable } from '@nestjs/common';
import { BusinessCalendar, DomainError, runningReviewSla, type Actor, type ClaimCommand, type ClaimStatus } from '@cpor/domain';
import { ClaimLedger, type ClaimView } from '@cpor/persistence';

/** The reviewer's use cases; the rules are in the domain library. */
@Injectable()
export class ReviewsService {
  constructor(
    private readonly ledger: ClaimLedger,
    private readonly calendar: BusinessCalendar,
  ) {}

  async queue(page: { limit: number; offset: number }, statuses?: ClaimStatus[]) {
    const { items, total } = await this.ledger.reviewQueue(page, statuses);
    return { items: items.map((claim) => this.toQueueItem(claim)), total, ...page };
  }

  async get(claimId: string): Promise<ClaimView> {
    const claim = await this.ledger.get(claimId);
    if (!claim) throw new DomainError('not-found', `Claim ${claimId} not found`, {});
    return claim;
  }

  execute(actor: Actor, claimId: string, command: ClaimCommand, options: { expectedVersion?: number; commandId?: string } = {}) {
    return this.ledger.execute(claimId, command, actor, options);
  }

  private toQueueItem(view: ClaimView) {
    const claim = view.state;
    const sla = runningReviewSla(claim, this.calendar);
    return {
      claimId: view._id,
      version: view.version,
      status: claim.status,
      partnerId: claim.partnerId,
      mpnId: claim.mpnId,
      customer: claim.customer,
      products: claim.products,
      activity: claim.activity,
      waitingSince: sla?.since.toISOString(),
      sla: sla ? { sla: sla.kind, dueAt: sla.dueAt.toISOString() } : null,
    };
  }
}
