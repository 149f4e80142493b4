import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PARTNER_REQUEST_SUBREASONS, type PartnerRequestSubreason } from '@cpor/domain';

export class WithdrawClaimDto {
  @ApiProperty({ enum: PARTNER_REQUEST_SUBREASONS }) @IsIn(PARTNER_REQUEST_SUBREASONS) subReason: PartnerRequestSubreason;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) comment?: string;
}

/** Multipart: a business justification and/or updated PoE files (field `files`). */
export class DisputeClaimDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) justification?: string;
}
