import { Controller, Get, Logger, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@cpor/platform';
import { REFUSAL_STATUS } from './consent-link-state.js';
import { PAGE_HEADERS, renderConsentPage, renderDeclinedPage, renderErrorPage, renderRefusalPage } from './consent-page.js';
import { ConsentService, type LinkOutcome } from './consent.service.js';

/**
 * The customer's signed link (R7). No bearer token: the signed, expiring, single-use token is
 * the credential. Every answer is an HTML page, errors included; the token is never logged.
 */
@ApiTags('consent')
@Public()
@Controller('v1/consent')
export class ConsentPageController {
  private readonly logger = new Logger(ConsentPageController.name);

  constructor(private readonly consent: ConsentService) {}

  @Get(':token')
  @ApiOperation({ summary: 'Show the approved claim and a button to decline it (changes nothing)' })
  @ApiParam({ name: 'token', description: 'Signed consent token from the customer email' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The claim summary with the decline form' })
  @ApiResponse({ status: 400, description: 'Malformed or tampered link' })
  @ApiResponse({ status: 404, description: 'No consent request for this link' })
  @ApiResponse({ status: 409, description: 'The claim is no longer awaiting consent (another approval, withdrawn)' })
  @ApiResponse({ status: 410, description: 'The link expired (window over) or was already used' })
  async show(@Param('token') token: string, @Res() response: Response): Promise<void> {
    await this.answer(response, 'show', () => this.consent.inspect(token), (outcome) => renderConsentPage(outcome.claim, outcome.deadline));
  }

  @Post(':token')
  @ApiOperation({ summary: 'Decline the association: the claim is rejected with reason customer-decline' })
  @ApiParam({ name: 'token', description: 'Signed consent token from the customer email' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'Declined; the claim is rejected' })
  @ApiResponse({ status: 400, description: 'Malformed or tampered link' })
  @ApiResponse({ status: 404, description: 'No consent request for this link' })
  @ApiResponse({ status: 409, description: 'The claim is no longer awaiting consent' })
  @ApiResponse({ status: 410, description: 'The link expired or was already used' })
  async decline(@Param('token') token: string, @Res() response: Response): Promise<void> {
    await this.answer(response, 'decline', () => this.consent.decline(token), (outcome) => renderDeclinedPage(outcome.claim));
  }

  private async answer(
    response: Response,
    action: string,
    run: () => Promise<LinkOutcome>,
    render: (outcome: Extract<LinkOutcome, { ok: true }>) => string,
  ): Promise<void> {
    response.set(PAGE_HEADERS);
    let outcome: LinkOutcome;
    try {
      outcome = await run();
    } catch (error) {
      // Only the message: the request URL (with the token) must not reach the logs.
      this.logger.error(`consent ${action} failed: ${(error as Error).message}`);
      response.status(500).send(renderErrorPage());
      return;
    }
    if (outcome.ok) response.status(200).send(render(outcome));
    else response.status(REFUSAL_STATUS[outcome.refusal]).send(renderRefusalPage(outcome.refusal));
  }
}
