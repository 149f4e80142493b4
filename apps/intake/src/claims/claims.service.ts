import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { CreateClaimDto } from '@cpor/contracts';
import { DomainError, hasReviewerRole, type Actor, type ClaimCommand, type PoeDocument } from '@cpor/domain';
import { ClaimLedger, PoeStore, VersionConflictError, type LedgerCommandOptions, type LedgerStep, type ClaimFilter, type ClaimPage, type ClaimSort, type ClaimView, type LedgerResult } from '@cpor/persistence';
import { SERVICE_CONFIG, type ServiceConfig } from '@cpor/platform';
import { docxProblem } from '../poe/docx-package.js';
import { detectPoeContentType, POE_CONTENT_TYPES, POE_MAX_BYTES } from '../poe/poe-file-type.js';

export interface UploadedPoe {
  originalname: string;
  buffer: Buffer;
  size: number;
}

/** The partner's use cases; the rules themselves are in the domain library. */
@Injectable()
export class ClaimsService {
  constructor(
    private readonly ledger: ClaimLedger,
    private readonly poeStore: PoeStore,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** `then`: the request's commands after the creation (PoE, submit), committed with it (ClaimLedger.create). */
  create(actor: Actor, fields: CreateClaimDto, options: { claimId?: string; commandId?: string; partnerName?: string } = {}, then: LedgerStep[] = []): Promise<LedgerResult> {
    const command: ClaimCommand = {
      type: 'create',
      claimId: options.claimId ?? randomUUID(),
      policyId: this.config.claimPolicyId,
      ...fields,
      // After the body's fields: the organisation's name comes from its token only.
      ...(options.partnerName ? { partnerName: options.partnerName } : {}),
    };
    return this.ledger.create(command as Extract<ClaimCommand, { type: 'create' }>, actor, { commandId: options.commandId }, then);
  }

  /** Reads a claim the actor's organisation owns; another organisation's claim does not exist for it. */
  async get(actor: Actor, claimId: string): Promise<ClaimView> {
    const claim = await this.ledger.get(claimId);
    if (!claim || claim.partnerId !== actor.partnerId) throw new DomainError('not-found', `Claim ${claimId} not found`, {});
    return claim;
  }

  /**
   * A PoE file of a claim, for the owning organisation or a reviewer. Whatever the reason it cannot
   * be had (no such claim, another organisation's, no such document on the claim, a file gone
   * from the store), the answer is the same "not found", so nobody learns what exists elsewhere.
   */
  async openPoe(actor: Actor, claimId: string, documentId: string): Promise<{ document: PoeDocument; content: Readable }> {
    const claim = await this.ledger.get(claimId);
    const visible = claim !== null && (hasReviewerRole(actor) || claim.partnerId === actor.partnerId);
    const document = visible ? claim.state.poe.find((candidate) => candidate.documentId === documentId) : undefined;
    const content = document ? await this.poeStore.openDownload(claimId, document.documentId) : undefined;
    if (!document || !content) throw new DomainError('not-found', 'PoE document not found', {});
    return { document, content };
  }

  list(actor: Actor, filter: Omit<ClaimFilter, 'partnerId'>, page: ClaimPage, sort: ClaimSort) {
    return this.ledger.list({ ...filter, partnerId: actor.partnerId ?? '' }, page, sort);
  }

  execute(actor: Actor, claimId: string, command: ClaimCommand, options: Omit<LedgerCommandOptions, 'alsoPublish'> = {}) {
    return this.ledger.execute(claimId, command, actor, options);
  }

  /** Several commands of one request, in order, committed together (ClaimLedger.executeInOrder). */
  executeInOrder(actor: Actor, claimId: string, steps: LedgerStep[]) {
    return this.ledger.executeInOrder(claimId, steps, actor);
  }

  /**
   * Stores the files and adds each to the claim as PoE, with `then` (a dispute naming them) after
   * them: every command its own transition, all committed in one ordered insert
   * (ClaimLedger.executeInOrder), so a failure leaves the claim without any of them rather than
   * with some. An upload carries no If-Match, so a concurrent change of the claim is no reason to
   * refuse it: the ledger decides again on the newer state.
   *
   * A file the claim does not record is deleted again once that is certain (the claim refused the
   * command, or a keyed repeat found the first attempt's files recorded). After an outage it is
   * not certain (the insert may be in): the files are left to the PoE sweep, which deletes those
   * the claim does not record. No stored document is left without a claim pointing to it, and none
   * a claim points to is deleted.
   */
  async attachPoe(
    actor: Actor,
    claimId: string,
    files: UploadedPoe[],
    commandId?: string,
    then: (documents: Array<Omit<PoeDocument, 'addedAt' | 'addedBy'>>) => LedgerStep[] = () => [],
  ): Promise<{ claim: ClaimView; documents: Array<Omit<PoeDocument, 'addedAt' | 'addedBy'>> }> {
    const documents = await this.storePoe(actor, claimId, files);
    // Commands applied together each need an id (how a retry tells which got in); a keyed request's repeat has the same ones.
    const prefix = commandId ?? `poe:${randomUUID()}`;
    const steps: LedgerStep[] = [
      ...documents.map((document, index) => ({ command: { type: 'addPoe', document } as ClaimCommand, options: { retryOnConflict: true, commandId: `${prefix}:poe:${index}` } })),
      ...then(documents),
    ];
    let claim: ClaimView;
    try {
      ({ claim } = await this.ledger.executeInOrder(claimId, steps, actor));
    } catch (error) {
      if (error instanceof DomainError || error instanceof VersionConflictError) {
        // Certain: the claim refused (the files before a refused command are in). Delete the rest.
        const recorded = await this.ledger.get(claimId).catch(() => undefined);
        if (recorded) await this.deleteUnrecorded(recorded, documents);
      }
      throw error;
    }
    // A keyed repeat racing or following its first attempt: the claim records that attempt's files, not these copies.
    await this.deleteUnrecorded(claim, documents);
    await this.poeStore.confirm(documents.filter((document) => recordsDocument(claim, document.documentId)).map((document) => document.documentId)).catch(() => undefined);
    return { claim, documents };
  }

  /** Deletes the stored files the claim does not record; a failed delete is left to the sweep. */
  private async deleteUnrecorded(claim: ClaimView, documents: Array<Pick<PoeDocument, 'documentId'>>): Promise<void> {
    const unrecorded = documents.filter((document) => !recordsDocument(claim, document.documentId));
    await Promise.all(unrecorded.map((document) => this.poeStore.delete(document.documentId))).catch(() => undefined);
  }

  /** Deletes stored PoE files their claim never recorded (an upload cut short by a failure). */
  sweepUnrecordedPoe(olderThanMs: number): Promise<number> {
    return this.poeStore.sweepUnconfirmed(olderThanMs, async (claimId, documentId) => {
      const claim = await this.ledger.get(claimId);
      return claim !== null && recordsDocument(claim, documentId);
    });
  }

  /** Stores each file (checked by its bytes and size). */
  private async storePoe(actor: Actor, claimId: string, files: UploadedPoe[]): Promise<Array<Omit<PoeDocument, 'addedAt' | 'addedBy'>>> {
    await this.get(actor, claimId);
    const problems: string[] = [];
    if (files.length === 0) problems.push('file: at least one file is required');
    // The type is what the bytes are (sniffed), never the name or the declared type; the stored
    // name is the generated document id, and the client's name is kept only sanitised, for display.
    const typed = await Promise.all(
      files.map(async (file) => {
        const fileName = safeFileName(file.originalname);
        const contentType = detectPoeContentType(file.buffer);
        if (file.size > POE_MAX_BYTES) problems.push(`${fileName}: larger than ${POE_MAX_BYTES} bytes`);
        if (!contentType) problems.push(`${fileName}: only PDF, PNG, JPEG or DOCX files are accepted`);
        const docx = contentType === POE_CONTENT_TYPES.docx ? await docxProblem(file.buffer) : null;
        if (docx) problems.push(`${fileName}: ${docx}`);
        return { file, fileName, contentType };
      }),
    );
    if (problems.length > 0) throw new DomainError('invalid-command', 'PoE upload refused', { errors: problems });
    const documents: Array<Omit<PoeDocument, 'addedAt' | 'addedBy'>> = [];
    for (const { file, fileName, contentType } of typed) {
      const stored = await this.poeStore.save({ claimId, originalName: fileName, contentType: contentType!, data: file.buffer });
      documents.push({ documentId: stored.documentId, fileName, contentType: contentType!, size: stored.size, sha256: stored.sha256 });
    }
    return documents;
  }
}

/** Display name only (storage names are generated): no paths, no control characters. */
function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'document';
  return base.replace(/[^\w.\- ()]/g, '_').slice(0, 200) || 'document';
}

/** Whether the claim's PoE list holds this document. */
function recordsDocument(claim: ClaimView, documentId: string): boolean {
  return claim.state.poe.some((document) => document.documentId === documentId);
}
