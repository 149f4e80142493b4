import type { ClaimDto, ClaimHistoryDto, ClaimPageDto, CreateClaimDto, EditClaimDto, QueuePageDto, ReviewClaimDto } from '@cpor/contracts';
import type { PortalSettings } from '../portal.settings.js';
import { ApiClient, type ApiAnswer } from './api-client.js';

/** An uploaded file on its way from the browser to intake. */
export interface UploadedFile {
  originalname: string;
  mimetype: string;
  buffer: Buffer;
}

/** A write to the API: the claim version it is based on (If-Match) and the form's Idempotency-Key. */
export interface Write {
  version?: number;
  idempotencyKey?: string;
}

export interface ClaimListQuery {
  status?: string[];
  customer?: string;
  cursor?: string;
  limit: number;
}

const claimPath = (claimId: string, rest = '') => `/v1/claims/${encodeURIComponent(claimId)}${rest}`;
const reviewPath = (claimId: string, rest = '') => `/v1/reviews/${encodeURIComponent(claimId)}${rest}`;

function filesForm(files: UploadedFile[], fields: Record<string, string | undefined> = {}): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value) form.append(name, value);
  for (const file of files) form.append('files', new Blob([new Uint8Array(file.buffer)], { type: file.mimetype }), file.originalname);
  return form;
}

/** Intake's partner API (docs/http-api.md, docs/openapi/intake.json), as the signed-in partner user. */
export class IntakeApi {
  private readonly api: ApiClient;

  constructor(settings: Pick<PortalSettings, 'intakeUrl'>) {
    this.api = new ApiClient(settings.intakeUrl);
  }

  async list(token: string, query: ClaimListQuery): Promise<ClaimPageDto> {
    const params = new URLSearchParams({ limit: String(query.limit), sort: '-updatedAt' });
    if (query.status?.length) params.set('status', query.status.join(','));
    if (query.customer) params.set('customer', query.customer);
    if (query.cursor) params.set('cursor', query.cursor);
    return (await this.api.call<ClaimPageDto>('GET', '/v1/claims', token, { query: params })).body;
  }

  get(token: string, claimId: string): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call<ClaimDto>('GET', claimPath(claimId), token);
  }

  async history(token: string, claimId: string): Promise<ClaimHistoryDto> {
    return (await this.api.call<ClaimHistoryDto>('GET', claimPath(claimId, '/history'), token)).body;
  }

  create(token: string, claim: CreateClaimDto, write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('POST', '/v1/claims', token, { json: claim, idempotencyKey: write.idempotencyKey });
  }

  edit(token: string, claimId: string, changes: EditClaimDto, write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('PATCH', claimPath(claimId), token, { json: changes, version: write.version });
  }

  uploadPoe(token: string, claimId: string, files: UploadedFile[], write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('POST', claimPath(claimId, '/poe'), token, { form: filesForm(files), idempotencyKey: write.idempotencyKey });
  }

  submit(token: string, claimId: string, write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('POST', claimPath(claimId, '/submit'), token, write);
  }

  comment(token: string, claimId: string, text: string, write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('POST', claimPath(claimId, '/comments'), token, { json: { text }, idempotencyKey: write.idempotencyKey });
  }

  withdraw(token: string, claimId: string, body: { subReason: string; comment?: string }, write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('POST', claimPath(claimId, '/withdraw'), token, { json: body, idempotencyKey: write.idempotencyKey });
  }

  dispute(token: string, claimId: string, justification: string | undefined, files: UploadedFile[], write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('POST', claimPath(claimId, '/disputes'), token, { form: filesForm(files, { justification }), idempotencyKey: write.idempotencyKey });
  }

  /** A PoE file as intake sends it (an attachment), to stream through to the browser. */
  poeFile(token: string, claimId: string, documentId: string): Promise<Response> {
    return this.api.stream(claimPath(claimId, `/poe/${encodeURIComponent(documentId)}`), token);
  }
}

/** Review's reviewer API, as the signed-in reviewer. */
export class ReviewApi {
  private readonly api: ApiClient;

  constructor(settings: Pick<PortalSettings, 'reviewUrl'>) {
    this.api = new ApiClient(settings.reviewUrl);
  }

  async queue(token: string, limit: number, offset: number, status: string[] = []): Promise<QueuePageDto> {
    const query = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    if (status.length) query.set('status', status.join(','));
    return (await this.api.call<QueuePageDto>('GET', '/v1/reviews/queue', token, { query })).body;
  }

  get(token: string, claimId: string): Promise<ApiAnswer<ReviewClaimDto>> {
    return this.api.call<ReviewClaimDto>('GET', reviewPath(claimId), token);
  }

  /** start, request-info, approve, reject, dispute-decision: a decision on the claim at `write.version`. */
  act(token: string, claimId: string, action: ReviewAction, body: Record<string, unknown>, write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('POST', reviewPath(claimId, `/${action}`), token, { json: body, ...write });
  }

  comment(token: string, claimId: string, text: string, write: Write): Promise<ApiAnswer<ClaimDto>> {
    return this.api.call('POST', reviewPath(claimId, '/comments'), token, { json: { text }, idempotencyKey: write.idempotencyKey });
  }
}

export type ReviewAction = 'start' | 'request-info' | 'approve' | 'reject' | 'dispute-decision';
