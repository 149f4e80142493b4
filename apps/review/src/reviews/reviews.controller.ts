import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClaimDto, CommentDto, QueuePageDto, ReviewClaimDto } from '@cpor/contracts';
import { REVIEWER_ROLE, type ClaimCommand } from '@cpor/domain';
import { ApiIfMatch, ApiProblems, ClaimETagInterceptor, CurrentPrincipal, Idempotent, IdempotencyCommandId, IfMatchVersion, RequireRoles, reviewerActor, type Principal } from '@cpor/platform';
import { ApproveDto, DisputeDecisionDto, QueueQuery, RejectDto, RequestInfoDto } from './review-commands.dto.js';
import { ReviewsService } from './reviews.service.js';

/** The PoE reviewer API (R3-R5, R8, R9, R11). */
@ApiTags('reviews')
@ApiBearerAuth()
@UseInterceptors(ClaimETagInterceptor)
@ApiProblems(401, 403, 503)
@RequireRoles(REVIEWER_ROLE)
@Controller('v1/reviews')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @ApiOperation({ operationId: 'getReviewQueue', summary: 'Claims waiting for a reviewer, oldest first, with the SLA that runs' })
  @ApiOkResponse({ type: QueuePageDto })
  @ApiProblems(400)
  @Get('queue')
  queue(@Query() query: QueueQuery) {
    return this.reviews.queue({ limit: query.limit ?? 50, offset: query.offset ?? 0 }, query.status);
  }

  @ApiOperation({ operationId: 'getReview', summary: 'One claim with its history' })
  @ApiOkResponse({ type: ReviewClaimDto, description: 'The claim; ETag is its version' })
  @ApiProblems(400, 404)
  @Get(':claimId')
  async get(@Param('claimId', ParseUUIDPipe) claimId: string) {
    const view = await this.reviews.get(claimId);
    return { ...view.state, id: view._id, version: view.version, history: view.history };
  }

  @ApiOperation({ operationId: 'startReview', summary: 'Start the review of a submitted claim (R3)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 412, 422)
  @Post(':claimId/start')
  @HttpCode(200)
  @Idempotent()
  @ApiIfMatch()
  start(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @IfMatchVersion() expectedVersion?: number,
    @IdempotencyCommandId() commandId?: string,
  ) {
    return this.run(principal, claimId, { type: 'startReview' }, { expectedVersion, commandId });
  }

  @ApiOperation({ operationId: 'requestInfo', summary: 'Ask the partner for more information (R5)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 412, 422)
  @Post(':claimId/request-info')
  @HttpCode(200)
  @Idempotent()
  @ApiIfMatch()
  requestInfo(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() body: RequestInfoDto,
    @IfMatchVersion() expectedVersion?: number,
    @IdempotencyCommandId() commandId?: string,
  ) {
    return this.run(principal, claimId, { type: 'requestInfo', reasons: body.reasons, comment: body.comment }, { expectedVersion, commandId });
  }

  @ApiOperation({ operationId: 'approveClaim', summary: 'Approve the claim; the customer consent window opens (R6, R7)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 412, 422)
  @Post(':claimId/approve')
  @HttpCode(200)
  @Idempotent()
  @ApiIfMatch()
  approve(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() body: ApproveDto,
    @IfMatchVersion() expectedVersion?: number,
    @IdempotencyCommandId() commandId?: string,
  ) {
    return this.run(principal, claimId, { type: 'approve', comment: body.comment }, { expectedVersion, commandId });
  }

  @ApiOperation({ operationId: 'rejectClaim', summary: 'Reject the claim with a reason (R8)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 412, 422)
  @Post(':claimId/reject')
  @HttpCode(200)
  @Idempotent()
  @ApiIfMatch()
  reject(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() body: RejectDto,
    @IfMatchVersion() expectedVersion?: number,
    @IdempotencyCommandId() commandId?: string,
  ) {
    return this.run(principal, claimId, { type: 'reject', reason: body.reason, comment: body.comment }, { expectedVersion, commandId });
  }

  @ApiOperation({ operationId: 'commentAsReviewer', summary: 'Add a reviewer comment (R11)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 422)
  @Post(':claimId/comments')
  @HttpCode(200)
  @Idempotent()
  comment(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: CommentDto, @IdempotencyCommandId() commandId?: string) {
    return this.run(principal, claimId, { type: 'comment', text: body.text }, { commandId });
  }

  @ApiOperation({ operationId: 'decideDispute', summary: 'Overturn or sustain the open dispute (R9)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 412, 422)
  @Post(':claimId/dispute-decision')
  @HttpCode(200)
  @Idempotent()
  @ApiIfMatch()
  decideDispute(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() body: DisputeDecisionDto,
    @IfMatchVersion() expectedVersion?: number,
    @IdempotencyCommandId() commandId?: string,
  ) {
    return this.run(principal, claimId, { type: 'decideDispute', decision: body.decision, comment: body.comment }, { expectedVersion, commandId });
  }

  private async run(principal: Principal, claimId: string, command: ClaimCommand, options: { expectedVersion?: number; commandId?: string } = {}) {
    const { claim } = await this.reviews.execute(reviewerActor(principal), claimId, command, options);
    return { ...claim.state, id: claim._id, version: claim.version };
  }
}
