import { Controller, Get, Logger, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ConsentLinkDto } from '@cpor/contracts';
import { ProblemDto, Public, PROBLEM_CONTENT_TYPE, problem, toProblem } from '@cpor/platform';
import { REFUSAL_PROBLEM, REFUSAL_STATUS } from './consent-link-state.js';
import { PAGE_HEADERS, renderConsentPage, renderDeclinedPage, renderErrorPage, renderRefusalPage } from './consent-page.js';
import { ConsentService, type LinkOutcome } from './consent.service.js';

/** An HTML page for browsers, or (Accept: application/json) the given schema. */
const pageOr = (ref: string, jsonType = 'application/json') => ({ 'text/html': { schema: { type: 'string' } }, [jsonType]: { schema: { $ref: ref } } });

/**
 * The customer's signed link (R7). No bearer token: the signed, expiring, single-use token is
 * the credential. Every answer is an HTML page, errors included, unless the caller asks for JSON
 * (`Accept: application/json`): then a small JSON view, or problem details. The token is never logged.
 */
@ApiTags('consent')
@ApiExtraModels(ConsentLinkDto, ProblemDto)
@Public()
@Controller('v1/consent')
export class ConsentPageController {
  private readonly logger = new Logger(ConsentPageController.name);

  constructor(private readonly consent: ConsentService) {}

  @Get(':token')
  @ApiOperation({ operationId: 'showConsentLink', summary: 'Show the approved claim and a button to decline it (changes nothing)' })
  @ApiParam({ name: 'token', description: 'Signed consent token from the customer email' })
  @ApiResponse({ status: 200, description: 'The claim summary with the decline form', content: pageOr(getSchemaPath(ConsentLinkDto)) })
  @ApiResponse({ status: 400, description: 'Malformed or tampered link', content: pageOr(getSchemaPath(ProblemDto), PROBLEM_CONTENT_TYPE) })
  @ApiResponse({ status: 404, description: 'No consent request for this link', content: pageOr(getSchemaPath(ProblemDto), PROBLEM_CONTENT_TYPE) })
  @ApiResponse({ status: 409, description: 'The claim is no longer awaiting consent (another approval, withdrawn)', content: pageOr(getSchemaPath(ProblemDto), PROBLEM_CONTENT_TYPE) })
  @ApiResponse({ status: 410, description: 'The link expired (consent-link-expired: window over) or was already used (consent-link-used)', content: pageOr(getSchemaPath(ProblemDto), PROBLEM_CONTENT_TYPE) })
  async show(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.answer(request, response, 'show', () => this.consent.inspect(token), (outcome) => renderConsentPage(outcome.claim, outcome.deadline), 'awaiting-consent');
  }

  @Post(':token')
  @ApiOperation({ operationId: 'declineConsent', summary: 'Decline the association: the claim is rejected with reason customer-decline' })
  @ApiParam({ name: 'token', description: 'Signed consent token from the customer email' })
  @ApiResponse({ status: 200, description: 'Declined; the claim is rejected', content: pageOr(getSchemaPath(ConsentLinkDto)) })
  @ApiResponse({ status: 400, description: 'Malformed or tampered link', content: pageOr(getSchemaPath(ProblemDto), PROBLEM_CONTENT_TYPE) })
  @ApiResponse({ status: 404, description: 'No consent request for this link', content: pageOr(getSchemaPath(ProblemDto), PROBLEM_CONTENT_TYPE) })
  @ApiResponse({ status: 409, description: 'The claim is no longer awaiting consent', content: pageOr(getSchemaPath(ProblemDto), PROBLEM_CONTENT_TYPE) })
  @ApiResponse({ status: 410, description: 'The link expired (consent-link-expired) or was already used (consent-link-used)', content: pageOr(getSchemaPath(ProblemDto), PROBLEM_CONTENT_TYPE) })
  async decline(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.answer(request, response, 'decline', () => this.consent.decline(token), (outcome) => renderDeclinedPage(outcome.claim), 'declined');
  }

  private async answer(
    request: Request,
    response: Response,
    action: string,
    run: () => Promise<LinkOutcome>,
    render: (outcome: Extract<LinkOutcome, { ok: true }>) => string,
    consent: 'awaiting-consent' | 'declined',
  ): Promise<void> {
    response.set(PAGE_HEADERS);
    const json = request.accepts(['text/html', 'application/json']) === 'application/json';
    let outcome: LinkOutcome;
    try {
      outcome = await run();
    } catch (error) {
      // Only the message: the request URL (with the token) must not reach the logs.
      this.logger.error(`consent ${action} failed: ${(error as Error).message}`);
      // No instance: the path holds the token. A store that is away is a 503 to retry, as everywhere.
      const failure = toProblem(error);
      if (failure.code === 'unavailable') response.setHeader('Retry-After', '5');
      if (json) this.problem(response, failure);
      else response.status(failure.status).send(renderErrorPage());
      return;
    }
    if (outcome.ok && json) response.status(200).type('application/json').json({ claimId: outcome.claim.id, consent, consentDeadline: outcome.deadline });
    else if (outcome.ok) response.status(200).send(render(outcome));
    else if (json) this.problem(response, problem(REFUSAL_PROBLEM[outcome.refusal].code, REFUSAL_PROBLEM[outcome.refusal].detail, { status: REFUSAL_STATUS[outcome.refusal] }));
    else response.status(REFUSAL_STATUS[outcome.refusal]).send(renderRefusalPage(outcome.refusal));
  }

  /** Never an instance: the path holds the token, which is a credential. */
  private problem(response: Response, body: ReturnType<typeof problem>): void {
    response.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    response.status(body.status).json(body);
  }
}
