import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsFQDN,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ACTIVITIES, PRODUCTS, type Activity, type Product } from '@cpor/domain';

/** The field classes shared by the partner HTTP API and the upstream request topic. */
export class ContactDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @ApiProperty() @IsEmail() @MaxLength(320) email: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(50) phone?: string;
}

export class CustomerDto {
  @ApiProperty({ description: 'Microsoft Entra tenant ID of the customer (GUID)' }) @IsUUID('all') tenantId: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(300) name: string;
  @ApiProperty({ example: 'contoso.com' }) @IsFQDN() domain: string;
}

export const MPN_ID_PATTERN = /^\d{6,10}$/;

export class CreateClaimDto {
  @ApiProperty({ example: '1234567', description: 'MPN ID (Partner location ID), 6 to 10 digits' })
  @Matches(MPN_ID_PATTERN, { message: 'mpnId must be 6 to 10 digits' })
  mpnId: string;

  @ApiProperty({ type: CustomerDto }) @IsDefined() @ValidateNested() @Type(() => CustomerDto) customer: CustomerDto;
  @ApiProperty({ type: ContactDto }) @IsDefined() @ValidateNested() @Type(() => ContactDto) customerContact: ContactDto;
  @ApiProperty({ type: ContactDto }) @IsDefined() @ValidateNested() @Type(() => ContactDto) partnerContact: ContactDto;

  @ApiProperty({ enum: PRODUCTS, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(PRODUCTS.length)
  @IsIn(PRODUCTS, { each: true })
  products: Product[];

  @ApiPropertyOptional({ type: [String], description: 'Workloads within the products' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  workloads?: string[];

  @ApiProperty({ enum: ACTIVITIES }) @IsIn(ACTIVITIES) activity: Activity;

  @ApiProperty({ description: 'Azure subscription ID or customer tenant ID (GUID)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  subscriptionOrTenantId: string;

  @ApiPropertyOptional({ description: 'The partner opted out of incentive payments for this claim' })
  @IsOptional()
  @IsBoolean()
  incentivesOptOut?: boolean;
}

export class EditClaimDto {
  @ApiPropertyOptional() @IsOptional() @Matches(MPN_ID_PATTERN, { message: 'mpnId must be 6 to 10 digits' }) mpnId?: string;
  @ApiPropertyOptional({ enum: PRODUCTS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(PRODUCTS, { each: true })
  products?: Product[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @IsString({ each: true }) workloads?: string[];
  @ApiPropertyOptional({ type: ContactDto }) @IsOptional() @ValidateNested() @Type(() => ContactDto) customerContact?: ContactDto;
  @ApiPropertyOptional({ type: ContactDto }) @IsOptional() @ValidateNested() @Type(() => ContactDto) partnerContact?: ContactDto;
}

/** A PoE document stored by an upstream system: Kafka carries only this reference. */
export class PoeReferenceDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(200) documentId: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(255) fileName: string;
  @ApiProperty({ enum: ['application/pdf', 'image/png', 'image/jpeg', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'] })
  @IsIn(['application/pdf', 'image/png', 'image/jpeg', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'])
  contentType: string;
  @ApiProperty() @IsInt() @Min(1) size: number;
  @ApiProperty() @Matches(/^[a-f0-9]{64}$/, { message: 'sha256 must be 64 lowercase hex characters' }) sha256: string;
}

export class CommentDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(4000) text: string;
}
