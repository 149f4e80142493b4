import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, Min, ValidateNested } from 'class-validator';
import { ACTIVITIES, PRODUCTS, type Activity, type EditableField, type Product } from '@cpor/domain';
import { IsName, IsLongText, IsSubscriptionOrTenantId, IsMpnId, IsEmailAddress, IsPhoneNumber, IsGuid, IsDomainName, IsSha256, IsProducts, IsWorkloads, IsNeverEditable } from './field-rules.js';

/** The field classes shared by the partner HTTP API and the upstream request topic. */
export class ContactDto {
  @ApiProperty() @IsName() name: string;
  @ApiProperty() @IsEmailAddress() email: string;
  @ApiPropertyOptional() @IsOptional() @IsPhoneNumber() phone?: string;
}

export class CustomerDto {
  @ApiProperty({ description: 'Microsoft Entra tenant ID of the customer (GUID)' }) @IsGuid() tenantId: string;
  @ApiProperty() @IsName() name: string;
  @ApiProperty({ example: 'contoso.com' }) @IsDomainName() domain: string;
}

export class CreateClaimDto {
  @ApiProperty({ example: '1234567', description: 'MPN ID (Partner location ID), 6 to 10 digits' })
  @IsMpnId()
  mpnId: string;

  @ApiProperty({ type: CustomerDto }) @IsDefined() @ValidateNested() @Type(() => CustomerDto) customer: CustomerDto;
  @ApiProperty({ type: ContactDto }) @IsDefined() @ValidateNested() @Type(() => ContactDto) customerContact: ContactDto;
  @ApiProperty({ type: ContactDto }) @IsDefined() @ValidateNested() @Type(() => ContactDto) partnerContact: ContactDto;

  @ApiProperty({ enum: PRODUCTS, isArray: true })
  @IsProducts()
  products: Product[];

  @ApiPropertyOptional({ type: [String], description: 'Workloads within the products' })
  @IsOptional()
  @IsWorkloads()
  workloads?: string[];

  @ApiProperty({ enum: ACTIVITIES }) @IsIn(ACTIVITIES) activity: Activity;

  @ApiProperty({ description: 'Azure subscription ID or customer tenant ID (GUID)' })
  @IsSubscriptionOrTenantId()
  subscriptionOrTenantId: string;

  @ApiPropertyOptional({ description: 'The partner opted out of incentive payments for this claim' })
  @IsOptional()
  @IsBoolean()
  incentivesOptOut?: boolean;
}

export class EditClaimDto {
  @ApiPropertyOptional() @IsOptional() @IsMpnId() mpnId?: string;
  @ApiPropertyOptional({ enum: PRODUCTS, isArray: true }) @IsOptional() @IsProducts() products?: Product[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsWorkloads() workloads?: string[];
  @ApiPropertyOptional({ type: ContactDto }) @IsOptional() @ValidateNested() @Type(() => ContactDto) customerContact?: ContactDto;
  @ApiPropertyOptional({ type: ContactDto }) @IsOptional() @ValidateNested() @Type(() => ContactDto) partnerContact?: ContactDto;

  // The claim's other fields, which no policy lets an edit change, are refused by name (HTTP and
  // Kafka alike, beside every other problem), instead of a generic "property activity should not exist".
  @ApiHideProperty() @IsNeverEditable() customer?: never;
  @ApiHideProperty() @IsNeverEditable() activity?: never;
  @ApiHideProperty() @IsNeverEditable() subscriptionOrTenantId?: never;
  @ApiHideProperty() @IsNeverEditable() incentivesOptOut?: never;
}

/**
 * The edit request names exactly the fields a policy may make editable (the domain's
 * EDITABLE_FIELDS), plus the claim's other fields so they can be refused by name: a compile error otherwise.
 */
type Exactly<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : false;
type NeverEditableField = Exclude<keyof CreateClaimDto, EditableField>;
export const EDIT_FIELDS_ARE_THE_EDITABLE_FIELDS: Exactly<Exclude<keyof EditClaimDto, NeverEditableField>, EditableField> = true;
export const EDIT_LETS_THROUGH_EVERY_OTHER_CLAIM_FIELD: Exactly<Extract<keyof EditClaimDto, NeverEditableField>, NeverEditableField> = true;

/** A PoE document stored by an upstream system: Kafka carries only this reference. */
export class PoeReferenceDto {
  @ApiProperty() @IsName() documentId: string;
  @ApiProperty() @IsName() fileName: string;
  @ApiProperty({ enum: ['application/pdf', 'image/png', 'image/jpeg', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'] })
  @IsIn(['application/pdf', 'image/png', 'image/jpeg', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'])
  contentType: string;
  @ApiProperty() @IsInt() @Min(1) size: number;
  @ApiProperty() @IsSha256() sha256: string;
}

export class CommentDto {
  @ApiProperty() @IsLongText() text: string;
}
