import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { ReviewClaimDto } from '@cpor/contracts';
import { allowedStates, getPolicy, INFO_REQUEST_REASONS, openDispute, REVIEW_QUEUE_STATUSES, REVIEWER_REJECTION_REASONS, type ClaimAction, type ClaimState, type ClaimStatus } from '@cpor/domain';
import { ApiProblem } from '../api/api-client.js';
import { IntakeApi, ReviewApi, type ReviewAction } from '../api/claims-api.js';
import { ForReviewers, sessionOf, type PortalRequest } from '../web/access.js';
import { list, text, writeOf, type FormBody } from '../web/form.js';
import { Pages } from '../web/pages.js';
import { isPreviewable, streamFile } from '../web/stream-file.js';

const QUEUE_PAGE = 50;

const DONE: Record<string, string> = {
  start: 'The review has started.',
  'request-info': 'The partner was asked for more information.',
  approve: 'The claim was approved; the customer is asked for consent.',
  reject: 'The claim was rejected.',
  'dispute-decision': 'The dispute was decided.',
  commented: 'Your comment was added.',
};


/** The reviewer console (R3-R5, R8, R9, R11): review's queue and decisions, as the signed-in reviewer. */
@ForReviewers()
@Controller('reviews')
export class ReviewerController {
  constructor(
    private readonly review: ReviewApi,
    private readonly intake: IntakeApi,
    private readonly pages: Pages,
  ) {}

  @Get()
  async queue(@Req() request: PortalRequest, @Res() response: Response, @Query('offset') offsetText?: string, @Query('status') statusQuery?: unknown): Promise<void> {
    const offset = /^\d{1,9}$/.test(offsetText ?? '') ? Number(offsetText) : 0;
    // Only the queue's statuses are passed on (anything else in the address is ignored, not an error page).
    const status = (Array.isArray(statusQuery) ? statusQuery : [statusQuery]).filter((value): value is ClaimStatus => REVIEW_QUEUE_STATUSES.includes(value as ClaimStatus));
    const page = await this.review.queue(sessionOf(request).accessToken, QUEUE_PAGE, offset, status);
    const pageUrl = (to: number) => `/reviews?${new URLSearchParams([...status.map((value): [string, string] => ['status', value]), ['offset', String(to)]])}`;
    this.pages.render(request, response, './review-queue', {
      page,
      now: Date.now(),
      filters: { status },
      statuses: REVIEW_QUEUE_STATUSES,
      previousUrl: offset > 0 ? pageUrl(Math.max(0, offset - QUEUE_PAGE)) : undefined,
      nextUrl: offset + page.items.length < page.total ? pageUrl(offset + QUEUE_PAGE) : undefined,
    });
  }

  @Get(':claimId')
  async claim(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Query('done') done?: string): Promise<void> {
    await this.renderClaim(request, response, claimId, { done: done ? DONE[done] : undefined });
  }

  /** A PoE file through intake, which lets reviewers download any claim's. */
  @Get(':claimId/poe/:documentId')
  async poe(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Param('documentId', ParseUUIDPipe) documentId: string): Promise<void> {
    await streamFile(response, await this.intake.poeFile(sessionOf(request).accessToken, claimId, documentId));
  }

  /** The same file shown in place on the review page (PDF, PNG, JPEG only; anything else stays an attachment). */
  @Get(':claimId/poe/:documentId/inline')
  async poePreview(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Param('documentId', ParseUUIDPipe) documentId: string): Promise<void> {
    await streamFile(response, await this.intake.poeFile(sessionOf(request).accessToken, claimId, documentId), { inline: true });
  }

  @Post(':claimId/start')
  start(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    return this.act(request, response, claimId, 'start', {}, form);
  }

  @Post(':claimId/request-info')
  requestInfo(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    return this.act(request, response, claimId, 'request-info', { reasons: list(form.reasons), comment: text(form.comment) }, form);
  }

  @Post(':claimId/approve')
  approve(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    const comment = text(form.comment);
    return this.act(request, response, claimId, 'approve', comment ? { comment } : {}, form);
  }

  @Post(':claimId/reject')
  reject(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    return this.act(request, response, claimId, 'reject', { reason: text(form.reason), comment: text(form.comment) }, form);
  }

  @Post(':claimId/dispute-decision')
  decideDispute(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    return this.act(request, response, claimId, 'dispute-decision', { decision: text(form.decision), comment: text(form.comment) }, form);
  }

  @Post(':claimId/comments')
  async comment(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    await this.attempt(request, response, claimId, 'commented', () => this.review.comment(sessionOf(request).accessToken, claimId, text(form.text), writeOf(form)));
  }

  private act(request: PortalRequest, response: Response, claimId: string, action: ReviewAction, body: Record<string, unknown>, form: FormBody): Promise<void> {
    return this.attempt(request, response, claimId, action, () => this.review.act(sessionOf(request).accessToken, claimId, action, body, writeOf(form)));
  }

  /** As on the partner's pages: 303 back to the claim, or the claim as it is now with the API's refusal. */
  private async attempt(request: PortalRequest, response: Response, claimId: string, done: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      response.redirect(303, `/reviews/${claimId}?done=${done}`);
    } catch (error) {
      if (!(error instanceof ApiProblem) || [401, 403, 404].includes(error.status)) throw error;
      await this.renderClaim(request, response, claimId, { problem: error }, error.status);
    }
  }

  private async renderClaim(request: PortalRequest, response: Response, claimId: string, notes: { done?: string; problem?: ApiProblem }, status = 200): Promise<void> {
    const { body: claim, version } = await this.review.get(sessionOf(request).accessToken, claimId);
    this.pages.render(request, response, './review-claim', { claim, version: version ?? claim.version, history: claim.history, can: reviewerActions(claim), audience: 'reviewer', preview: isPreviewable, ...notes, choices }, status);
  }
}

const choices = { infoReasons: INFO_REQUEST_REASONS, rejectionReasons: REVIEWER_REJECTION_REASONS };

/** The decisions the claim's status allows (the API decides; these are the forms offered). */
function reviewerActions(claim: ReviewClaimDto) {
  const policy = getPolicy(claim.policyId);
  const allowed = (action: ClaimAction) => allowedStates(action, policy).includes(claim.status as ClaimStatus);
  return {
    start: allowed('startReview'),
    requestInfo: allowed('requestInfo'),
    approve: allowed('approve'),
    reject: allowed('reject'),
    decideDispute: allowed('decideDispute') && Boolean(openDispute(claim as unknown as ClaimState)),
    comment: allowed('comment'),
  };
}
