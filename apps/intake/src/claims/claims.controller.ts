import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req, UploadedFiles, UseInterceptors } from '@nestjs/common';
import type { Request } from 'express';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ClaimDto, ClaimHistoryDto, ClaimPageDto, claimIdForRequest, CommentDto, CreateClaimDto, EditClaimDto } from '@cpor/contracts';
import { PARTNER_ROLES, type ClaimCommand } from '@cpor/domain';
import { ApiIfMatch, ApiProblems, ClaimETagInterceptor, CurrentPrincipal, Idempotent, IdempotencyCommandId, IfMatchVersion, partnerActor, RequireRoles, type Principal } from '@cpor/platform';
import { POE_MAX_BYTES } from '../poe/poe-file-type.js';
import { DisputeClaimDto, WithdrawClaimDto } from './claim-commands.dto.js';
import { toClaimResponse, toHistoryResponse } from './claim-response.js';
import { ListClaimsQuery } from './list-claims.query.js';
import { decodeCursor, encodeCursor, parseSort } from './list-cursor.js';
import { ClaimsService, type UploadedPoe } from './claims.service.js';

/** The multipart body of an upload: one to ten files in the field `files`. */
const POE_UPLOAD_SCHEMA = {
  type: 'object',
  required: ['files'],
  properties: { files: { type: 'array', minItems: 1, maxItems: 10, items: { type: 'string', format: 'binary' }, description: `PDF, PNG, JPEG or DOCX, at most ${POE_MAX_BYTES} bytes each` } },
};
/** A dispute: a justification, new PoE files, or both (multipart), or a JSON body with the justification. */
const DISPUTE_SCHEMA = {
  type: 'object',
  properties: {
    justification: { type: 'string', description: 'Business justification' },
    files: POE_UPLOAD_SCHEMA.properties.files,
  },
};

const uploads = FilesInterceptor('files', 10, { limits: { fileSize: POE_MAX_BYTES, files: 10 } });

/** The partner API (R1, R2, R9-R12): a partner acts only on its own organisation's claims. */
@ApiTags('claims')
@ApiBearerAuth()
@UseInterceptors(ClaimETagInterceptor)
@ApiProblems(401, 403, 503)
@RequireRoles(...PARTNER_ROLES)
@Controller('v1/claims')
export class ClaimsController {
  constructor(private readonly claims: ClaimsService) {}

  @ApiOperation({ operationId: 'createClaim', summary: 'Create a claim (Editing); its id is derived from the Idempotency-Key when one is sent' })
  @ApiCreatedResponse({ type: ClaimDto, description: 'The new claim; ETag is its version' })
  @ApiProblems(400, 422)
  @Post()
  @Idempotent()
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateClaimDto, @IdempotencyCommandId() commandId?: string) {
    // A keyed create gets its claim id from the key: a repeat finds the claim instead of making another.
    const { claim } = await this.claims.create(partnerActor(principal), body, { ...(commandId ? { claimId: claimIdForRequest(commandId), commandId } : {}), partnerName: principal.partnerName });
    return toClaimResponse(claim);
  }

  @ApiOperation({ operationId: 'listClaims', summary: "The organisation's claims: filters, sort, cursor paging (next and Link)" })
  @ApiOkResponse({ type: ClaimPageDto })
  @ApiProblems(400)
  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListClaimsQuery, @Req() request: Request) {
    const limit = query.limit ?? 20;
    const sort = query.sort ?? '-createdAt';
    const after = query.cursor ? decodeCursor(query.cursor, sort) : undefined;
    const { items, total } = await this.claims.list(
      partnerActor(principal),
      {
        statuses: query.status,
        customer: query.customer,
        createdFrom: query.createdFrom ? new Date(query.createdFrom) : undefined,
        createdTo: query.createdTo ? new Date(query.createdTo) : undefined,
        updatedAfter: query.updatedAfter ? new Date(query.updatedAfter) : undefined,
        updatedBefore: query.updatedBefore ? new Date(query.updatedBefore) : undefined,
      },
      // One more than asked: whether there is a next page, without a second query.
      { limit: limit + 1, after, offset: after ? undefined : (query.offset ?? 0) },
      parseSort(sort),
    );
    const page = items.slice(0, limit);
    const last = page.at(-1);
    const field = parseSort(sort).field;
    const next = items.length > limit && last ? encodeCursor(sort, { value: new Date(last[field]), id: last._id }) : null;
    if (next) {
      const url = new URL(request.originalUrl, 'http://local');
      url.searchParams.set('cursor', next);
      url.searchParams.delete('offset');
      request.res?.setHeader('Link', `<${url.pathname}${url.search}>; rel="next"`);
    }
    return { items: page.map(toClaimResponse), total, limit, ...(after ? {} : { offset: query.offset ?? 0 }), next };
  }

  @ApiOperation({ operationId: 'getClaim', summary: 'One claim of the organisation' })
  @ApiOkResponse({ type: ClaimDto, description: 'The claim; ETag is its version' })
  @ApiProblems(400, 404)
  @Get(':claimId')
  async get(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string) {
    return toClaimResponse(await this.claims.get(partnerActor(principal), claimId));
  }

  @ApiOperation({ operationId: 'getClaimHistory', summary: 'Every change, comment and action, oldest first (R12)' })
  @ApiOkResponse({ type: ClaimHistoryDto })
  @ApiProblems(400, 404)
  @Get(':claimId/history')
  async history(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string) {
    return toHistoryResponse(await this.claims.get(partnerActor(principal), claimId));
  }

  @ApiOperation({ operationId: 'editClaim', summary: "Edit the fields the claim's policy allows in its status (R10)" })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 412)
  @Patch(':claimId')
  @ApiIfMatch()
  async edit(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() changes: EditClaimDto,
    @IfMatchVersion() expectedVersion?: number,
  ) {
    return this.run(principal, claimId, { type: 'edit', changes: { ...changes } }, { expectedVersion });
  }

  @ApiOperation({ operationId: 'uploadPoe', summary: 'Upload proof of execution files (PDF, PNG, JPEG, DOCX)' })
  @ApiBody({ schema: POE_UPLOAD_SCHEMA })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 413, 422)
  @Post(':claimId/poe')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @Idempotent(uploads)
  async uploadPoe(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @UploadedFiles() files: UploadedPoe[] = [],
    @IdempotencyCommandId() commandId?: string,
  ) {
    const { claim } = await this.claims.attachPoe(partnerActor(principal), claimId, files, commandId);
    return toClaimResponse(claim);
  }

  @ApiOperation({ operationId: 'submitClaim', summary: 'Submit the claim for review (R2: at least one PoE)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 412, 422)
  @Post(':claimId/submit')
  @HttpCode(200)
  @Idempotent()
  @ApiIfMatch()
  async submit(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @IfMatchVersion() expectedVersion?: number,
    @IdempotencyCommandId() commandId?: string,
  ) {
    return this.run(principal, claimId, { type: 'submit' }, { expectedVersion, commandId });
  }

  @ApiOperation({ operationId: 'commentOnClaim', summary: 'Add a comment to the claim (R11)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 422)
  @Post(':claimId/comments')
  @HttpCode(200)
  @Idempotent()
  async comment(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: CommentDto, @IdempotencyCommandId() commandId?: string) {
    return this.run(principal, claimId, { type: 'comment', text: body.text }, { commandId });
  }

  @ApiOperation({ operationId: 'withdrawClaim', summary: 'Ask for the claim to be rejected, with a sub-reason (R8)' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 422)
  @Post(':claimId/withdraw')
  @HttpCode(200)
  @Idempotent()
  async withdraw(@CurrentPrincipal() principal: Principal, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() body: WithdrawClaimDto, @IdempotencyCommandId() commandId?: string) {
    return this.run(principal, claimId, { type: 'withdraw', subReason: body.subReason, comment: body.comment }, { commandId });
  }

  @ApiOperation({ operationId: 'disputeRejection', summary: 'Dispute a rejection with a justification and/or new PoE while the window is open (R9)' })
  @ApiBody({ schema: DISPUTE_SCHEMA })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409, 413, 422)
  @Post(':claimId/disputes')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data', 'application/json')
  @Idempotent(uploads)
  async dispute(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() body: DisputeClaimDto,
    @UploadedFiles() files: UploadedPoe[] = [],
    @IdempotencyCommandId() commandId?: string,
  ) {
    const actor = partnerActor(principal);
    // Ownership first: another organisation's claim must answer exactly like a missing one.
    await this.claims.get(actor, claimId);
    const dispute = (poeDocumentIds: string[]): ClaimCommand => ({ type: 'dispute', disputeId: randomUUID(), justification: body.justification, poeDocumentIds });
    if (files.length === 0) return toClaimResponse((await this.claims.execute(actor, claimId, dispute([]), { commandId })).claim);
    // Updated PoE is added to the claim, then named by the dispute (R9): one commit, so a failure leaves neither.
    const { claim } = await this.claims.attachPoe(actor, claimId, files, commandId, (documents) => [
      { command: dispute(documents.map((document) => document.documentId)), options: { commandId: commandId ?? `dispute:${randomUUID()}` } },
    ]);
    return toClaimResponse(claim);
  }

  private async run(principal: Principal, claimId: string, command: Parameters<ClaimsService['execute']>[2], options: { expectedVersion?: number; commandId?: string } = {}) {
    const actor = partnerActor(principal);
    await this.claims.get(actor, claimId);
    const result = await this.claims.execute(actor, claimId, command, options);
    return toClaimResponse(result.claim);
  }
}
