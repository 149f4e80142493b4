import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UploadedFiles } from '@nestjs/common';
import type { Response } from 'express';
import type { ClaimDto } from '@cpor/contracts';
import { ACTIVITIES, allowedStates, CLAIM_STATUSES, getPolicy, PARTNER_REQUEST_SUBREASONS, PRODUCTS, mayDispute, type ClaimAction, type ClaimState, type ClaimStatus } from '@cpor/domain';
import { ApiProblem } from '../api/api-client.js';
import { IntakeApi, type UploadedFile, type Write } from '../api/claims-api.js';
import { ForPartners, sessionOf, UploadForm, type PortalRequest } from '../web/access.js';
import { writeOf, type FormBody } from '../web/form.js';
import { Pages } from '../web/pages.js';
import { streamFile } from '../web/stream-file.js';
import { CLAIMS_CSV_HEADER, claimsCsvRows } from './claims-csv.js';
import { claimFormValues, createRequest, editRequest, formValues, readOnlyFields } from './claim-form.js';

const PAGE_SIZE = 20;
/** The export reads intake's largest page (LIST_MAX_LIMIT). */
const EXPORT_PAGE_SIZE = 100;

/** What a finished action says on the claim page it leads back to (`?done=`). */
const DONE: Record<string, string> = {
  created: 'The claim was created. Upload its proof of execution, then submit it.',
  edited: 'Your changes were saved.',
  unchanged: 'Nothing was changed: the form had the claim’s current values.',
  uploaded: 'The PoE was uploaded.',
  submitted: 'The claim was submitted for review.',
  commented: 'Your comment was added.',
  withdrawn: 'The claim was withdrawn (rejected at your request).',
  disputed: 'The rejection is disputed; reviewers will answer.',
};


/**
 * The partner's pages (R1, R2, R9-R12): the organisation's claims through intake's partner API,
 * as the signed-in user (intake decides what they may see and do; another organisation's claim
 * is "not found" there and so here).
 */
@ForPartners()
@Controller('claims')
export class PartnerController {
  constructor(
    private readonly intake: IntakeApi,
    private readonly pages: Pages,
  ) {}

  @Get()
  async dashboard(@Req() request: PortalRequest, @Res() response: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const session = sessionOf(request);
    const filters = dashboardFilters(query);
    const { status, customer } = filters;
    const cursor = typeof query.cursor === 'string' && query.cursor ? query.cursor : undefined;
    try {
      const page = await this.intake.list(session.accessToken, { status, customer, cursor, limit: PAGE_SIZE });
      const nextQuery = page.next ? filterQuery(status, customer, page.next) : undefined;
      this.pages.render(request, response, './dashboard', {
        page,
        filters,
        statuses: CLAIM_STATUSES,
        paged: Boolean(cursor),
        firstUrl: `/claims?${filterQuery(status, customer)}`,
        nextUrl: nextQuery ? `/claims?${nextQuery}` : undefined,
        exportUrl: `/claims/export.csv?${filterQuery(status, customer)}`,
      });
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.status !== 400) throw error;
      this.pages.render(request, response, './dashboard', { page: { items: [], total: 0, next: null }, filters, statuses: CLAIM_STATUSES, problem: error }, 400);
    }
  }

  /**
   * The dashboard's filtered list as CSV, every page of it: intake's cursor is followed page by
   * page and each is written as it comes. The first page is read before answering, so a filter
   * intake refuses is an error page, not a file; a later failure cuts the download (never a
   * shorter file that looks complete).
   */
  @Get('export.csv')
  async exportCsv(@Req() request: PortalRequest, @Res() response: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const token = sessionOf(request).accessToken;
    const { status, customer } = dashboardFilters(query);
    const read = (cursor?: string) => this.intake.list(token, { status, customer, cursor, limit: EXPORT_PAGE_SIZE });
    const first = await read();
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    response.setHeader('Content-Disposition', 'attachment; filename="claims.csv"');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // The byte order mark makes spreadsheets read the file as UTF-8 (names with accents).
    response.write('\ufeff' + CLAIMS_CSV_HEADER);
    try {
      for await (const row of claimsCsvRows(first, read)) response.write(row);
      response.end();
    } catch (error) {
      response.destroy(error instanceof Error ? error : undefined);
    }
  }

  @Get('new')
  newClaim(@Req() request: PortalRequest, @Res() response: Response): void {
    this.renderNew(request, response, {});
  }

  @Post()
  async create(@Req() request: PortalRequest, @Res() response: Response, @Body() form: FormBody): Promise<void> {
    const session = sessionOf(request);
    try {
      const { body: claim } = await this.intake.create(session.accessToken, createRequest(form), writeOf(form));
      response.redirect(303, `/claims/${claim.id}?done=created`);
    } catch (error) {
      if (!(error instanceof ApiProblem) || ![400, 409, 422].includes(error.status)) throw error;
      this.renderNew(request, response, formValues(form), error);
    }
  }

  @Get(':claimId')
  async claim(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Query('done') done?: string): Promise<void> {
    await this.renderClaim(request, response, claimId, { done: done ? DONE[done] : undefined });
  }

  @Post(':claimId/edit')
  async edit(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    await this.act(request, response, claimId, 'edited', form, async (token, write) => {
      const { body: claim } = await this.intake.get(token, claimId);
      const changes = editRequest(form, claim, getPolicy(claim.policyId).editableFields);
      if (Object.keys(changes).length === 0) return 'unchanged';
      await this.intake.edit(token, claimId, changes, write);
    });
  }

  @Post(':claimId/poe')
  @UploadForm()
  async uploadPoe(
    @Req() request: PortalRequest,
    @Res() response: Response,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() form: FormBody,
    @UploadedFiles() files: UploadedFile[] = [],
  ): Promise<void> {
    await this.act(request, response, claimId, 'uploaded', form, (token, write) => this.intake.uploadPoe(token, claimId, files, write));
  }

  /** A PoE file, streamed from intake as it sends it (an attachment: never shown inline). */
  @Get(':claimId/poe/:documentId')
  async poe(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Param('documentId', ParseUUIDPipe) documentId: string): Promise<void> {
    await streamFile(response, await this.intake.poeFile(sessionOf(request).accessToken, claimId, documentId));
  }

  @Post(':claimId/submit')
  async submit(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    await this.act(request, response, claimId, 'submitted', form, (token, write) => this.intake.submit(token, claimId, write));
  }

  @Post(':claimId/comments')
  async comment(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    await this.act(request, response, claimId, 'commented', form, (token, write) => this.intake.comment(token, claimId, String(form.text ?? ''), write));
  }

  @Post(':claimId/withdraw')
  async withdraw(@Req() request: PortalRequest, @Res() response: Response, @Param('claimId', ParseUUIDPipe) claimId: string, @Body() form: FormBody): Promise<void> {
    const comment = String(form.comment ?? '').trim();
    await this.act(request, response, claimId, 'withdrawn', form, (token, write) =>
      this.intake.withdraw(token, claimId, { subReason: String(form.subReason ?? ''), ...(comment ? { comment } : {}) }, write),
    );
  }

  @Post(':claimId/disputes')
  @UploadForm()
  async dispute(
    @Req() request: PortalRequest,
    @Res() response: Response,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() form: FormBody,
    @UploadedFiles() files: UploadedFile[] = [],
  ): Promise<void> {
    const justification = String(form.justification ?? '').trim() || undefined;
    await this.act(request, response, claimId, 'disputed', form, (token, write) => this.intake.dispute(token, claimId, justification, files, write));
  }

  /**
   * Runs an action and goes back to the claim page (303, so a reload does not post again). A
   * refusal shows the claim page again, as it is now (reloaded: after a 409 or 412 that is the
   * state someone else made), with the API's message. The action gets the session's token and
   * the form's write (version and Idempotency-Key).
   */
  private async act(
    request: PortalRequest,
    response: Response,
    claimId: string,
    done: string,
    form: FormBody,
    action: (token: string, write: Write) => Promise<unknown>,
  ): Promise<void> {
    try {
      const outcome = await action(sessionOf(request).accessToken, writeOf(form));
      response.redirect(303, `/claims/${claimId}?done=${typeof outcome === 'string' ? outcome : done}`);
    } catch (error) {
      if (!(error instanceof ApiProblem) || [401, 403, 404].includes(error.status)) throw error;
      await this.renderClaim(request, response, claimId, { problem: error }, error.status);
    }
  }

  private async renderClaim(request: PortalRequest, response: Response, claimId: string, notes: { done?: string; problem?: ApiProblem }, status = 200): Promise<void> {
    const token = sessionOf(request).accessToken;
    const [{ body: claim, version }, history] = await Promise.all([this.intake.get(token, claimId), this.intake.history(token, claimId)]);
    this.pages.render(request, response, './claim', { claim, version: version ?? claim.version, history: history.entries, can: partnerActions(claim), ...notes, choices }, status);
  }

  private renderNew(request: PortalRequest, response: Response, values: Record<string, unknown>, problem?: ApiProblem): void {
    this.pages.render(request, response, './claim-new', { values, problem, choices }, problem?.status ?? 200);
  }
}

/** The dashboard's filters from its query string (the export takes the same). */
function dashboardFilters(query: Record<string, unknown>): { status: string[]; customer: string } {
  const status = (Array.isArray(query.status) ? query.status : [query.status]).filter((value): value is string => typeof value === 'string' && value !== '');
  return { status, customer: typeof query.customer === 'string' ? query.customer.trim() : '' };
}

/** The dashboard's filters (and the next page's cursor) as a query string. */
function filterQuery(status: string[], customer: string, cursor?: string): URLSearchParams {
  const query = new URLSearchParams();
  for (const value of status) query.append('status', value);
  if (customer) query.set('customer', customer);
  if (cursor) query.set('cursor', cursor);
  return query;
}

const choices = { products: PRODUCTS, activities: ACTIVITIES, subReasons: PARTNER_REQUEST_SUBREASONS };

/** Which of the partner's forms the claim page offers: the actions the claim's policy allows in its status (the API decides). */
function partnerActions(claim: ClaimDto) {
  const policy = getPolicy(claim.policyId);
  const allowed = (action: ClaimAction) => allowedStates(action, policy).includes(claim.status as ClaimStatus);
  return {
    edit: allowed('edit') ? policy.editableFields : [],
    readOnly: allowed('edit') ? readOnlyFields(claim, policy) : [],
    editableStates: ['Editing', ...policy.editableStates],
    addPoe: allowed('addPoe') && claim.status !== 'Rejected',
    submit: allowed('submit'),
    comment: allowed('comment'),
    withdraw: allowed('withdraw'),
    dispute: claim.status === 'Rejected' && mayDispute(claim as unknown as ClaimState, policy, new Date()),
    values: claimFormValues(claim),
  };
}
