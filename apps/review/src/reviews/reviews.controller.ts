import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { CommentDto } from '@cpor/contracts';
import { REVIEWER_ROLE, type ClaimCommand } from '@cpor/domain';
import { CurrentPrincipal, RequireRoles, reviewerActor, type Principal, parseIfMatch } from '@cpor/platform';
import { ApproveDto, DisputeDecisionDto, QueueQuery, RejectDto, RequestInfoDto } from './review-commands.dto.js';
import { ReviewsService } from './reviews.service.js';

/** The PoE reviewer API (R3-R5, R8, R9, R11). */
@ApiTags('reviews')
@ApiBearerAuth()
@ApiHeader({ name: 'If-Match', required: false, description: 'Claim version read; a changed claim answers 409' })
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
  start(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Headers('if-match') ifMatch?: string) {
    return this.run(principal, claimId, { type: 'startReview' }, ifMatch);
  }

  @Post(':claimId/request-info')
  @HttpCode(200)
  requestInfo(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: RequestInfoDto, @Headers('if-match') ifMatch?: string) {
    return this.run(principal, claimId, { type: 'requestInfo', reasons: body.reasons, comment: body.comment }, ifMatch);
  }

  @Post(':claimId/approve')
  @HttpCode(200)
  approve(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: ApproveDto, @Headers('if-match') ifMatch?: string) {
    return this.run(principal, claimId, { type: 'approve', comment: body.comment }, ifMatch);
  }

  @Post(':claimId/reject')
  @HttpCode(200)
  reject(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: RejectDto, @Headers('if-match') ifMatch?: string) {
    return this.run(principal, claimId, { type: 'reject', reason: body.reason, comment: body.comment }, ifMatch);
  }

  @Post(':claimId/comments')
  @HttpCode(200)
  comment(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: CommentDto) {
    return this.run(principal, claimId, { type: 'comment', text: body.text });
  }

  @Post(':claimId/dispute-decision')
  @HttpCode(200)
  decideDispute(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: DisputeDecisionDto, @Headers('if-match') ifMatch?: string) {
    return this.run(principal, claimId, { type: 'decideDispute', decision: body.decision, comment: body.comment }, ifMatch);
  }

  private async run(principal: Principal, claimId: string, command: ClaimCommand, ifMatch?: string) {
    const { claim } = await this.reviews.execute(reviewerActor(principal), claimId, command, parseIfMatch(ifMatch));
    return { ...claim.state, id: claim._id, version: claim.version };
  }
}
