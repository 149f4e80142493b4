import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { INFO_REQUEST_REASONS, REVIEW_QUEUE_STATUSES, REVIEWER_REJECTION_REASONS, type ClaimStatus, type InfoRequestReason, type RejectionReason } from '@cpor/domain';
import { IsLongText, MAX_PAGE_OFFSET, OneOrMoreOf, PageOffset } from '@cpor/contracts';

export class RequestInfoDto {
  @ApiProperty({ enum: INFO_REQUEST_REASONS, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(INFO_REQUEST_REASONS, { each: true })
  reasons: InfoRequestReason[];
  @ApiProperty() @IsLongText() comment: string;
}

export class ApproveDto {
  @ApiPropertyOptional() @IsOptional() @IsLongText() comment?: string;
}

export class RejectDto {
  @ApiProperty({ enum: REVIEWER_REJECTION_REASONS }) @IsIn(REVIEWER_REJECTION_REASONS) reason: RejectionReason;
  @ApiProperty() @IsLongText() comment: string;
}

export class DisputeDecisionDto {
  @ApiProperty({ enum: ['overturned', 'sustained'] }) @IsIn(['overturned', 'sustained']) decision: 'overturned' | 'sustained';
  @ApiProperty() @IsLongText() comment: string;
}

export class QueueQuery {
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ default: 0, maximum: MAX_PAGE_OFFSET }) @IsOptional() @PageOffset() offset?: number;

  // Only statuses a queued claim can have.
  @ApiPropertyOptional({ enum: REVIEW_QUEUE_STATUSES, isArray: true, description: 'Only claims in one of these statuses (repeat the parameter or separate with commas)' })
  @IsOptional()
  @OneOrMoreOf(REVIEW_QUEUE_STATUSES)
  status?: ClaimStatus[];
}
