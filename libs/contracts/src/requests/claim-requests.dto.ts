import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { PARTNER_REQUEST_SUBREASONS, type PartnerRequestSubreason } from '@cpor/domain';
import { CreateClaimDto, EditClaimDto, PoeReferenceDto } from './claim-fields.dto.js';
import { IsLongText } from './field-rules.js';

/**
 * Partner commands from upstream systems on `cpor.claim-requests.v1`. The CloudEvents id is the
 * request id: a retry with the same id changes nothing twice.
 */
export class UpstreamRequestBase {
  /** The partner organisation the upstream system acts for. */
  @IsString() @IsNotEmpty() @MaxLength(50) partnerId: string;
  /** The partner user on whose behalf the system acts (for history). */
  @IsString() @IsNotEmpty() @MaxLength(200) requestedBy: string;
}

export class CreateClaimRequest extends UpstreamRequestBase {
  @IsDefined() @ValidateNested() @Type(() => CreateClaimDto) claim: CreateClaimDto;
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => PoeReferenceDto) poe?: PoeReferenceDto[];
  /** Submit right away (needs PoE). */
  @IsOptional() @IsBoolean() submit?: boolean;
}

export class ClaimTargetRequest extends UpstreamRequestBase {
  @IsUUID('all') claimId: string;
}

export class EditClaimRequest extends ClaimTargetRequest {
  @IsDefined() @ValidateNested() @Type(() => EditClaimDto) changes: EditClaimDto;
}

export class AddPoeRequest extends ClaimTargetRequest {
  @IsDefined() @ValidateNested() @Type(() => PoeReferenceDto) document: PoeReferenceDto;
}

export class SubmitClaimRequest extends ClaimTargetRequest {}

export class CommentClaimRequest extends ClaimTargetRequest {
  @IsLongText() text: string;
}

export class WithdrawClaimRequest extends ClaimTargetRequest {
  @IsIn(PARTNER_REQUEST_SUBREASONS) subReason: PartnerRequestSubreason;
  @IsOptional() @IsLongText() comment?: string;
}

export class DisputeClaimRequest extends ClaimTargetRequest {
  @IsOptional() @IsLongText() justification?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => PoeReferenceDto) poe?: PoeReferenceDto[];
}

/** Payload on `cpor.claim-requests.rejected.v1`: the original request and every problem found. */
export interface ClaimRequestRejection {
  requestId: string | null;
  requestType: string | null;
  source: { topic: string; partition: number; offset: string };
  errors: string[];
  /** The original record value exactly as received (UTF-8); its start only when `originalPayloadTruncated`. */
  originalPayload: string;
  originalHeaders: Record<string, string>;
  /** Present (true) when the payload was too large to carry whole: the record is still at `source`. */
  originalPayloadTruncated?: boolean;
  /** The whole payload's size in bytes, when it was cut. */
  originalPayloadBytes?: number;
  rejectedAt: string;
}
