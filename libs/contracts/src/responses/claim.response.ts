import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ACTIVITIES,
  ACTOR_KINDS,
  CLAIM_STATUSES,
  INFO_REQUEST_REASONS,
  PARTNER_REQUEST_SUBREASONS,
  PRODUCTS,
  REJECTION_REASONS,
  SLA_KINDS,
  type ClaimState,
  type HistoryEntry,
} from '@cpor/domain';
import { ContactDto, CustomerDto } from '../requests/claim-fields.dto.js';

// The answers of the partner and reviewer APIs, as the OpenAPI documents describe them. They
// mirror the domain's ClaimState (dates are ISO 8601 strings in UTC); the compile-time checks at
// the end keep the two from drifting apart.

const dateTime = { type: String, format: 'date-time' } as const;

export class PoeDocumentDto {
  @ApiProperty({ format: 'uuid' }) documentId: string;
  @ApiProperty({ description: 'Display name (sanitised)', example: 'signed-sow.pdf' }) fileName: string;
  @ApiProperty({ enum: ['application/pdf', 'image/png', 'image/jpeg', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'] }) contentType: string;
  @ApiProperty({ description: 'Bytes' }) size: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) sha256: string;
  @ApiProperty(dateTime) addedAt: string;
  @ApiProperty({ description: 'Who added it (actor id)' }) addedBy: string;
}

export class DisputeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty(dateTime) openedAt: string;
  @ApiPropertyOptional() justification?: string;
  @ApiProperty({ type: [String] }) poeDocumentIds: string[];
  @ApiProperty({ ...dateTime, description: 'When reviewers should have answered (R9)' }) dueAt: string;
  @ApiPropertyOptional({ enum: ['overturned', 'sustained'] }) decision?: 'overturned' | 'sustained';
  @ApiPropertyOptional(dateTime) decidedAt?: string;
  @ApiPropertyOptional() comment?: string;
}

export class InfoRequestDto {
  @ApiProperty({ enum: INFO_REQUEST_REASONS, isArray: true }) reasons: string[];
  @ApiProperty() comment: string;
  @ApiProperty(dateTime) requestedAt: string;
  @ApiProperty({ ...dateTime, description: 'The partner must answer by then (R5)' }) dueAt: string;
}

export class RejectionDto {
  @ApiProperty({ enum: REJECTION_REASONS }) reason: string;
  @ApiPropertyOptional({ enum: PARTNER_REQUEST_SUBREASONS }) subReason?: string;
  @ApiPropertyOptional() comment?: string;
  @ApiProperty(dateTime) rejectedAt: string;
  @ApiProperty({ ...dateTime, description: 'End of the dispute window (exclusive); equals rejectedAt when the reason cannot be disputed' }) disputeUntil: string;
}

export class ConsentDto {
  @ApiProperty(dateTime) requestedAt: string;
  @ApiProperty({ ...dateTime, description: 'End of the customer consent window (R7)' }) deadline: string;
  @ApiPropertyOptional(dateTime) declinedAt?: string;
  @ApiPropertyOptional(dateTime) elapsedAt?: string;
}

export class EligibilityDto {
  @ApiProperty() assessmentId: string;
  @ApiProperty(dateTime) assessedAt: string;
  @ApiProperty() eligible: boolean;
}

export class SlaBreachDto {
  @ApiProperty({ enum: SLA_KINDS }) sla: string;
  @ApiProperty() statusEpoch: number;
  @ApiProperty(dateTime) dueAt: string;
  @ApiProperty(dateTime) recordedAt: string;
  @ApiPropertyOptional() disputeId?: string;
}

/** One claim. `version` is also its ETag; send it back in If-Match. */
export class ClaimDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Claim version: +1 on every change; the ETag is "<version>"', example: 3 }) version: number;
  @ApiProperty({ example: 'cpor-2020-06' }) policyId: string;
  @ApiProperty({ example: '1234567' }) partnerId: string;
  @ApiProperty({ example: '1234567' }) mpnId: string;
  @ApiProperty({ type: CustomerDto }) customer: CustomerDto;
  @ApiProperty({ type: ContactDto }) customerContact: ContactDto;
  @ApiProperty({ type: ContactDto }) partnerContact: ContactDto;
  @ApiProperty({ enum: PRODUCTS, isArray: true }) products: string[];
  @ApiProperty({ type: [String] }) workloads: string[];
  @ApiProperty({ enum: ACTIVITIES }) activity: string;
  @ApiProperty() subscriptionOrTenantId: string;
  @ApiProperty() incentivesOptOut: boolean;
  @ApiPropertyOptional({ description: "The partner organisation's display name, from the creating user's token (`partnerName`), when it had one" }) partnerName?: string;
  @ApiProperty({ enum: CLAIM_STATUSES }) status: string;
  @ApiProperty({ description: '+1 on every status change' }) statusEpoch: number;
  @ApiProperty(dateTime) statusChangedAt: string;
  @ApiProperty({ type: [PoeDocumentDto] }) poe: PoeDocumentDto[];
  @ApiPropertyOptional(dateTime) submittedAt?: string;
  @ApiPropertyOptional(dateTime) reviewStartedAt?: string;
  @ApiPropertyOptional({ type: InfoRequestDto }) infoRequest?: InfoRequestDto;
  @ApiPropertyOptional(dateTime) approvedAt?: string;
  @ApiPropertyOptional({ type: RejectionDto }) rejection?: RejectionDto;
  @ApiProperty({ type: [DisputeDto] }) disputes: DisputeDto[];
  @ApiPropertyOptional({ type: ConsentDto, nullable: true }) consent?: ConsentDto;
  @ApiPropertyOptional({ type: EligibilityDto }) eligibility?: EligibilityDto;
  @ApiPropertyOptional({ type: [SlaBreachDto] }) slaBreaches?: SlaBreachDto[];
  @ApiProperty(dateTime) createdAt: string;
  @ApiProperty(dateTime) updatedAt: string;
}

export class ClaimPageDto {
  @ApiProperty({ type: [ClaimDto] }) items: ClaimDto[];
  @ApiProperty({ description: 'Claims matching the filters (all pages)' }) total: number;
  @ApiProperty() limit: number;
  @ApiPropertyOptional({ description: 'Present when paging by offset' }) offset?: number;
  @ApiProperty({ type: String, nullable: true, description: 'Cursor of the next page (also in the Link header); null on the last page' }) next: string | null;
}

export class HistoryActorDto {
  @ApiProperty({ enum: ACTOR_KINDS }) kind: string;
  @ApiProperty() id: string;
}

export class HistoryEntryDto {
  @ApiProperty(dateTime) at: string;
  @ApiProperty({ type: HistoryActorDto }) actor: HistoryActorDto;
  @ApiProperty({ example: 'submit' }) action: string;
  @ApiProperty({ enum: CLAIM_STATUSES, nullable: true }) fromStatus: string | null;
  @ApiProperty({ enum: CLAIM_STATUSES }) toStatus: string;
  @ApiProperty() summary: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
}

export class ClaimHistoryDto {
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty() version: number;
  @ApiProperty({ type: [HistoryEntryDto] }) entries: HistoryEntryDto[];
}

/** A claim as a reviewer sees it: the claim and its history. */
export class ReviewClaimDto extends ClaimDto {
  @ApiProperty({ type: [HistoryEntryDto] }) history: HistoryEntryDto[];
}

export class QueueSlaDto {
  @ApiProperty({ enum: SLA_KINDS }) sla: string;
  @ApiProperty(dateTime) dueAt: string;
}

export class QueueItemDto {
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty() version: number;
  @ApiProperty({ enum: CLAIM_STATUSES }) status: string;
  @ApiProperty() partnerId: string;
  @ApiProperty() mpnId: string;
  @ApiProperty({ type: CustomerDto }) customer: CustomerDto;
  @ApiProperty({ enum: PRODUCTS, isArray: true }) products: string[];
  @ApiProperty({ enum: ACTIVITIES }) activity: string;
  @ApiPropertyOptional(dateTime) waitingSince?: string;
  @ApiProperty({ type: QueueSlaDto, nullable: true }) sla: QueueSlaDto | null;
}

export class QueuePageDto {
  @ApiProperty({ type: [QueueItemDto] }) items: QueueItemDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

/** What the consent link answers to `Accept: application/json`. */
export class ConsentLinkDto {
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty({ enum: ['awaiting-consent', 'declined'] }) consent: string;
  @ApiProperty(dateTime) consentDeadline: string;
}

// Drift checks: every field of the domain's claim and history entry is described above.
type Covers<Dto, Model> = [Exclude<keyof Model, keyof Dto>] extends [never] ? true : false;
export const CLAIM_DTO_COVERS_CLAIM_STATE: Covers<ClaimDto, ClaimState> = true;
export const HISTORY_DTO_COVERS_HISTORY_ENTRY: Covers<HistoryEntryDto, HistoryEntry> = true;
