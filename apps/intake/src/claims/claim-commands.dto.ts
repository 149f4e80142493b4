import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PARTNER_REQUEST_SUBREASONS, type PartnerRequestSubreason } from '@cpor/domain';
import { IsLongText } from '@cpor/contracts';

export class WithdrawClaimDto {
  @ApiProperty({ enum: PARTNER_REQUEST_SUBREASONS }) @IsIn(PARTNER_REQUEST_SUBREASONS) subReason: PartnerRequestSubreason;
  @ApiPropertyOptional() @IsOptional() @IsLongText() comment?: string;
}

/** Multipart: a business justification and/or updated PoE files (field `files`). */
export class DisputeClaimDto {
  @ApiPropertyOptional() @IsOptional() @IsLongText() justification?: string;
}
