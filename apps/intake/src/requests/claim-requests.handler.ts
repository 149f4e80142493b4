import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { ClassConstructor } from 'class-transformer';
import { type CloudEvent, claimIdForRequest, AddPoeRequest, CommentClaimRequest, CreateClaimRequest, DisputeClaimRequest, EditClaimRequest, SubmitClaimRequest, validateContract, WithdrawClaimRequest, type UpstreamRequestBase, TOPICS, REQUEST_TYPES } from '@cpor/contracts';
import { DomainError, type Actor, type ClaimCommand } from '@cpor/domain';
import { amendRequestContext } from '@cpor/kernel';
import type { LedgerStep } from '@cpor/persistence';
import { DEFAULT_RETRY_POLICY, KafkaEventContext, OnEvent, unmatchedOn, type UnmatchedRecord } from '@cpor/messaging';
import { ClaimsService } from '../claims/claims.service.js';
import { RequestRejections } from './request-rejections.js';

function upstreamActor(event: CloudEvent, request: UpstreamRequestBase): Actor {
  return { kind: 'upstream', id: `${event.source}:${request.requestedBy}`, partnerId: request.partnerId };
}

/** How a request's commands are applied: its id as their correlation and causation, retried on a lost race. */
function causedBy(requestId: string) {
  return { correlationId: requestId, causationId: requestId, retryOnConflict: true };
}

/** A request's PoE documents as ledger steps, each idempotent on `<request id>:poe:<index>`. */
function poeSteps(requestId: string, documents: ReadonlyArray<AddPoeRequest['document']> = []): LedgerStep[] {
  return documents.map((document, index) => ({
    command: { type: 'addPoe', document: { ...document } },
    options: { ...causedBy(requestId), commandId: `${requestId}:poe:${index}` },
  }));
}

/**
 * Partner commands from upstream systems. Each request's CloudEvents id makes it idempotent
 * (command ids on the claim); an invalid one is answered on the rejected topic, never dropped.
 */
@Controller()
export class ClaimRequestsHandler {
  private readonly logger = new Logger(ClaimRequestsHandler.name);

  constructor(
    private readonly claims: ClaimsService,
    private readonly rejections: RequestRejections,
  ) {}

  @OnEvent(REQUEST_TYPES.create, { retry: DEFAULT_RETRY_POLICY })
  async create(@Payload() event: CloudEvent, @Ctx() context: KafkaEventContext) {
    await this.handle(event, context, CreateClaimRequest, async (request, actor) => {
      // The creation, its PoE and the submit are committed together (one store round trip), each
      // its own transition. Every event the request causes carries its id (ce_correlationid,
      // ce_causationid): how upstream finds what became of it.
      const then = poeSteps(event.id, request.poe);
      if (request.submit) then.push({ command: { type: 'submit' }, options: { ...causedBy(event.id), commandId: `${event.id}:submit` } });
      await this.claims.create(actor, request.claim, { claimId: claimIdForRequest(event.id), commandId: event.id }, then);
    });
  }

  @OnEvent(REQUEST_TYPES.edit, { retry: DEFAULT_RETRY_POLICY })
  async edit(@Payload() event: CloudEvent, @Ctx() context: KafkaEventContext) {
    await this.handle(event, context, EditClaimRequest, (request, actor) =>
      this.command(actor, request.claimId, { type: 'edit', changes: { ...request.changes } }, event.id),
    );
  }

  @OnEvent(REQUEST_TYPES.addPoe, { retry: DEFAULT_RETRY_POLICY })
  async addPoe(@Payload() event: CloudEvent, @Ctx() context: KafkaEventContext) {
    await this.handle(event, context, AddPoeRequest, (request, actor) =>
      this.command(actor, request.claimId, { type: 'addPoe', document: { ...request.document } }, event.id),
    );
  }

  @OnEvent(REQUEST_TYPES.submit, { retry: DEFAULT_RETRY_POLICY })
  async submit(@Payload() event: CloudEvent, @Ctx() context: KafkaEventContext) {
    await this.handle(event, context, SubmitClaimRequest, (request, actor) => this.command(actor, request.claimId, { type: 'submit' }, event.id));
  }

  @OnEvent(REQUEST_TYPES.comment, { retry: DEFAULT_RETRY_POLICY })
  async comment(@Payload() event: CloudEvent, @Ctx() context: KafkaEventContext) {
    await this.handle(event, context, CommentClaimRequest, (request, actor) =>
      this.command(actor, request.claimId, { type: 'comment', text: request.text }, event.id),
    );
  }

  @OnEvent(REQUEST_TYPES.withdraw, { retry: DEFAULT_RETRY_POLICY })
  async withdraw(@Payload() event: CloudEvent, @Ctx() context: KafkaEventContext) {
    await this.handle(event, context, WithdrawClaimRequest, (request, actor) =>
      this.command(actor, request.claimId, { type: 'withdraw', subReason: request.subReason, comment: request.comment }, event.id),
    );
  }

  @OnEvent(REQUEST_TYPES.dispute, { retry: DEFAULT_RETRY_POLICY })
  async dispute(@Payload() event: CloudEvent, @Ctx() context: KafkaEventContext) {
    await this.handle(event, context, DisputeClaimRequest, async (request, actor) => {
      await this.claims.get(actor, request.claimId);
      const documents = request.poe ?? [];
      const steps = poeSteps(event.id, documents);
      const dispute: ClaimCommand = {
        type: 'dispute',
        disputeId: event.id,
        justification: request.justification,
        poeDocumentIds: documents.map((document) => document.documentId),
      };
      steps.push({ command: dispute, options: { commandId: event.id, retryOnConflict: true } });
      await this.claims.executeInOrder(actor, request.claimId, steps);
    });
  }

  /** Bad JSON, a broken envelope or an unknown request type. */
  @OnEvent(unmatchedOn(TOPICS.claimRequests), { retry: DEFAULT_RETRY_POLICY })
  async unmatched(@Payload() record: UnmatchedRecord, @Ctx() context: KafkaEventContext) {
    this.logger.warn(`rejecting undecodable request at ${context.topic}/${context.partition}/${context.offset}`);
    await this.rejections.reject(context.info, record.raw, record.errors);
  }

  private async command(actor: Actor, claimId: string, command: ClaimCommand, commandId: string) {
    // Another organisation's claim is "not found" for this partner, as over HTTP.
    await this.claims.get(actor, claimId);
    await this.claims.execute(actor, claimId, command, { commandId, retryOnConflict: true });
  }

  private async handle<T extends UpstreamRequestBase>(
    event: CloudEvent,
    context: KafkaEventContext,
    type: ClassConstructor<T>,
    apply: (request: T, actor: Actor) => Promise<void>,
  ): Promise<void> {
    // The events a request causes carry its id as their correlation id (docs/topics.md): so do its log lines.
    amendRequestContext({ correlationId: event.id });
    // The value as received: parsed and written again, numbers, escapes and duplicate keys would change.
    const raw = context.info.raw;
    const request = { id: event.id, source: event.source, type: event.type };
    const validated = await validateContract(type, event.data);
    if (!validated.ok) {
      await this.rejections.reject(context.info, raw, validated.errors, request);
      return;
    }
    // Refused by the rules before: answered the same again, not decided again on a claim that has changed since.
    if (await this.rejections.repeatIfRefused(request, raw)) return;
    try {
      await apply(validated.value, upstreamActor(event, validated.value));
    } catch (error) {
      // A refusal by the rules is an answer for the sender; anything else is retried by the transport.
      if (!(error instanceof DomainError)) throw error;
      const details = (error.details as { errors?: string[] }).errors ?? [];
      await this.rejections.refuse(context.info, raw, [`${error.code}: ${error.message}`, ...details], request);
    }
  }
}
