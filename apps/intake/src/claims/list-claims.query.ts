import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CLAIM_STATUSES, type ClaimStatus } from '@cpor/domain';
import { IsInstant, MAX_PAGE_OFFSET, OneOrMoreOf, PageOffset } from '@cpor/contracts';

export const LIST_SORTS = ['-createdAt', 'createdAt', '-updatedAt', 'updatedAt'] as const;
export type ListSort = (typeof LIST_SORTS)[number];
export const LIST_MAX_LIMIT = 100;

export class ListClaimsQuery {
  @ApiPropertyOptional({ enum: CLAIM_STATUSES, isArray: true, description: 'One or more statuses (repeat the parameter or separate with commas)' })
  @IsOptional()
  @OneOrMoreOf(CLAIM_STATUSES)
  status?: ClaimStatus[];

  @ApiPropertyOptional({ description: 'Customer tenant ID or exact customer name' }) @IsOptional() @IsString() @MaxLength(300) customer?: string;
  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601)' }) @IsOptional() @IsInstant() createdFrom?: string;
  @ApiPropertyOptional({ description: 'Created at or before (ISO 8601)' }) @IsOptional() @IsInstant() createdTo?: string;
  @ApiPropertyOptional({ description: 'Changed strictly after (ISO 8601): what changed since your last synchronisation' }) @IsOptional() @IsInstant() updatedAfter?: string;
  @ApiPropertyOptional({ description: 'Changed at or before (ISO 8601)' }) @IsOptional() @IsInstant() updatedBefore?: string;

  @ApiPropertyOptional({ enum: LIST_SORTS, default: '-createdAt', description: 'Sort by creation or last change; a leading "-" means newest first' })
  @IsOptional()
  @IsIn(LIST_SORTS)
  sort?: ListSort;

  @ApiPropertyOptional({ default: 20, maximum: LIST_MAX_LIMIT }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(LIST_MAX_LIMIT) limit?: number;

  @ApiPropertyOptional({ description: 'The `next` of the previous page; send the same filters and sort with it' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be the `next` value of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ default: 0, maximum: MAX_PAGE_OFFSET, description: 'Offset paging, for existing clients (ignored with a cursor; prefer the cursor)' })
  @IsOptional()
  @PageOffset()
  offset?: number;
}
