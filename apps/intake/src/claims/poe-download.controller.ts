import { Controller, Get, Logger, Param, ParseUUIDPipe, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PARTNER_ROLES, REVIEWER_ROLE } from '@cpor/domain';
import { ApiProblems, CurrentPrincipal, partnerActor, RequireRoles, reviewerActor, sendProblem, type Principal } from '@cpor/platform';
import { POE_CONTENT_TYPES } from '../poe/poe-file-type.js';
import { ClaimsService } from './claims.service.js';

/**
 * Downloads of stored PoE: the owning organisation's partner users, and the reviewers who must
 * judge it. Its own controller: the partner API's controller is for partner roles only and
 * answers claim versions as ETags, which a file is not.
 */
@ApiTags('claims')
@ApiBearerAuth()
@ApiProblems(401, 403, 503)
@RequireRoles(...PARTNER_ROLES, REVIEWER_ROLE)
@Controller('v1/claims')
export class PoeDownloadController {
  constructor(private readonly claims: ClaimsService) {}

  @ApiOperation({
    operationId: 'downloadPoe',
    summary: 'Download a PoE file of a claim (the owning organisation and reviewers); another organisation gets what a missing file gets',
  })
  @ApiProduces(...Object.values(POE_CONTENT_TYPES))
  @ApiOkResponse({
    description: 'The file as stored, with its sniffed content type, as an attachment',
    schema: { type: 'string', format: 'binary' },
    headers: {
      'Content-Disposition': { description: 'attachment, with the sanitised original file name', schema: { type: 'string' } },
      'X-Content-Type-Options': { description: 'nosniff', schema: { type: 'string' } },
    },
  })
  @ApiProblems(400, 404)
  @Get(':claimId/poe/:documentId')
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Param('documentId', ParseUUIDPipe) documentId: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const actor = principal.roles.includes(REVIEWER_ROLE) ? reviewerActor(principal) : partnerActor(principal);
    const { document, content } = await this.claims.openPoe(actor, claimId, documentId);
    // Express's attachment() writes both filename and filename* (RFC 6266) for any name; it also
    // guesses a type from the name's extension, which the sniffed type stored at upload replaces.
    response.attachment(document.fileName);
    response.setHeader('Content-Type', document.contentType);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    return new StreamableFile(content, { length: document.size }).setErrorHandler((error, res) => answerStreamFailure(error, res as Response));
  }
}

const logger = new Logger('PoeDownload');

/**
 * A stored file that fails while it is read (the store went away between finding the file and
 * reading its chunks): before the first byte, the problem it is (503 with Retry-After for an
 * outage), not Nest's default 400; after it, the connection is cut so the truncated file cannot
 * pass for whole.
 */
export function answerStreamFailure(error: Error, response: Response): void {
  if (response.destroyed) return;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  for (const header of ['Content-Disposition', 'Content-Length', 'X-Content-Type-Options']) response.removeHeader(header);
  sendProblem(response, error, response.req?.originalUrl?.split('?')[0], logger);
}
