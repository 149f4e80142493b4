import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CommentDto } from '@cpor/contracts';
import { REVIEWER_ROLE, type ClaimCommand } from '@cpor/domain';
import { ApiIfMatch, ClaimETagInterceptor, CurrentPrincipal, Idempotent, IdempotencyCommandId, IfMatchVersion, RequireRoles, reviewerActor, type Principal } from '@cpor/platform';
import { ApproveDto, DisputeDecisionDto, QueueQuery, RejectDto, RequestInfoDto } from './review-commands.dto.js';
import { ReviewsService } from './reviews.service.js';

/** The PoE reviewer API (R3-R5, R8, R9, R11). */
@ApiTags('reviews')
@ApiBearerAuth()
@UseInterceptors(ClaimETagInterceptor)
@RequireRoles(REVIEWER_ROLE)
@Controller('v1/reviews')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Get('queue')
  queue(@Query() query: QueueQuery) {
    return this.reviews.queue({ limit: query.limit ?? 50, offset: query.offset ?? 0 });
  }

  @Get(':claimId')
  async get(@Param('claimId', ParseUUIDPipe) claimId: string) {
    const view = await this.reviews.get(claimId);
    return { ...view.state, id: view._id, version: view.version, history: view.history };
  }

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

  @Post(':claimId/comments')
  @HttpCode(200)
  @Idempotent()
  comment(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: CommentDto, @IdempotencyCommandId() commandId?: string) {
    return this.run(principal, claimId, { type: 'comment', text: body.text }, { commandId });
  }

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
