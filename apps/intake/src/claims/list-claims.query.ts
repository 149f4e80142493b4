import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CLAIM_STATUSES, type ClaimStatus } from '@cpor/domain';

export class ListClaimsQuery {
  @ApiPropertyOptional({ enum: CLAIM_STATUSES }) @IsOptional() @IsIn(CLAIM_STATUSES) status?: ClaimStatus;
  @ApiPropertyOptional({ description: 'Customer tenant ID or exact customer name' }) @IsOptional() @IsString() @MaxLength(300) customer?: string;
  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601)' }) @IsOptional() @IsDateString() createdFrom?: string;
  @ApiPropertyOptional({ description: 'Created at or before (ISO 8601)' }) @IsOptional() @IsDateString() createdTo?: string;
  @ApiPropertyOptional({ default: 20, maximum: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}
