import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiHeader, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { CommentDto, CreateClaimDto, EditClaimDto } from '@cpor/contracts';
import { PARTNER_ROLES } from '@cpor/domain';
import { CurrentPrincipal, partnerActor, RequireRoles, type Principal, parseIfMatch } from '@cpor/platform';
import { POE_MAX_BYTES } from '../poe/poe-file-type.js';
import { DisputeClaimDto, WithdrawClaimDto } from './claim-commands.dto.js';
import { toClaimResponse, toHistoryResponse } from './claim-response.js';
import { ListClaimsQuery } from './list-claims.query.js';
import { ClaimsService, type UploadedPoe } from './claims.service.js';

const uploads = FilesInterceptor('files', 10, { limits: { fileSize: POE_MAX_BYTES, files: 10 } });

/** The partner API (R1, R2, R9-R12): a partner acts only on its own organisation's claims. */
@ApiTags('claims')
@ApiBearerAuth()
@ApiHeader({ name: 'If-Match', required: false, description: 'Claim version read; a changed claim answers 409' })
@RequireRoles(...PARTNER_ROLES)
@Controller('v1/claims')
export class ClaimsController {
  constructor(private readonly claims: ClaimsService) {}

  @Post()
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateClaimDto) {
    const { claim } = await this.claims.create(partnerActor(principal), body);
    return toClaimResponse(claim);
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListClaimsQuery) {
    const page = { limit: query.limit ?? 20, offset: query.offset ?? 0 };
    const { items, total } = await this.claims.list(
      partnerActor(principal),
      {
        statuses: query.status ? [query.status] : undefined,
        customer: query.customer,
        createdFrom: query.createdFrom ? new Date(query.createdFrom) : undefined,
        createdTo: query.createdTo ? new Date(query.createdTo) : undefined,
      },
      page,
    );
    return { items: items.map(toClaimResponse), total, ...page };
  }

  @Get(':claimId')
  async get(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string) {
    return toClaimResponse(await this.claims.get(partnerActor(principal), claimId));
  }

  @Get(':claimId/history')
  async history(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string) {
    return toHistoryResponse(await this.claims.get(partnerActor(principal), claimId));
  }

  @Patch(':claimId')
  async edit(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() changes: EditClaimDto,
    @Headers('if-match') ifMatch?: string,
  ) {
    return this.run(principal, claimId, { type: 'edit', changes: { ...changes } }, ifMatch);
  }

  @Post(':claimId/poe')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(uploads)
  async uploadPoe(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @UploadedFiles() files: UploadedPoe[] = [],
  ) {
    const { claim } = await this.claims.attachPoe(partnerActor(principal), claimId, files);
    return toClaimResponse(claim);
  }

  @Post(':claimId/submit')
  @HttpCode(200)
  async submit(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Headers('if-match') ifMatch?: string) {
    return this.run(principal, claimId, { type: 'submit' }, ifMatch);
  }

  @Post(':claimId/comments')
  @HttpCode(200)
  async comment(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: CommentDto) {
    return this.run(principal, claimId, { type: 'comment', text: body.text });
  }

  @Post(':claimId/withdraw')
  @HttpCode(200)
  async withdraw(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: WithdrawClaimDto) {
    return this.run(principal, claimId, { type: 'withdraw', subReason: body.subReason, comment: body.comment });
  }

  @Post(':claimId/disputes')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data', 'application/json')
  @UseInterceptors(uploads)
  async dispute(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() body: DisputeClaimDto,
    @UploadedFiles() files: UploadedPoe[] = [],
  ) {
    const actor = partnerActor(principal);
    // Ownership first: another organisation's claim must answer exactly like a missing one.
    await this.claims.get(actor, claimId);
    // Updated PoE is added to the claim first, then named by the dispute (R9).
    const { documents } = files.length > 0 ? await this.claims.attachPoe(actor, claimId, files) : { documents: [] };
    const result = await this.claims.execute(actor, claimId, {
      type: 'dispute',
      disputeId: randomUUID(),
      justification: body.justification,
      poeDocumentIds: documents.map((document) => document.documentId),
    });
    return toClaimResponse(result.claim);
  }

  private async run(principal: Principal, claimId: string, command: Parameters<ClaimsService['execute']>[2], ifMatch?: string) {
    const actor = partnerActor(principal);
    await this.claims.get(actor, claimId);
    const result = await this.claims.execute(actor, claimId, command, { expectedVersion: parseIfMatch(ifMatch) });
    return toClaimResponse(result.claim);
  }
}
