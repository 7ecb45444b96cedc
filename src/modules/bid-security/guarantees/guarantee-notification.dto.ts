import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsUscc } from 'src/common/http/is-uscc.validator';
import { IsMoney } from 'src/common/money/is-money.validator';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export const GUARANTEE_ISSUER_TYPES = ['BANK', 'GUARANTOR', 'INSURER'] as const;
export type GuaranteeIssuerType = (typeof GUARANTEE_ISSUER_TYPES)[number];

/**
 * 电子保函 notification (glossary #56 ElectronicGuarantee): the issuer (a bank, a guarantee institution or a guarantee
 * insurer) tells the platform it issued, or extended, a letter of guarantee for a bidder's bid security. Signed like
 * the bank's payment notifications: `X-Bank-Signature: hex(HMAC-SHA256(BANK_WEBHOOK_SECRET, raw body))`.
 */
export class GuaranteeNotificationDto {
  @ApiProperty({ description: "The issuer's guarantee number (保函编号); with issuerUscc it identifies the guarantee", example: 'BG2026120600123' })
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'guaranteeNo may hold letters, digits, ".", "_" and "-" only' })
  guaranteeNo: string;

  @ApiProperty({ enum: GUARANTEE_ISSUER_TYPES, description: '银行保函 | 担保机构保函 | 保证保险' })
  @IsIn(GUARANTEE_ISSUER_TYPES)
  issuerType: GuaranteeIssuerType;

  @ApiProperty({ example: '中国银行盐城分行' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  issuerName: string;

  @ApiProperty({ description: "The issuer's unified social credit code", example: '91320900MA1MXXXXX0' })
  @IsUscc()
  issuerUscc: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  tenderId: string;

  @ApiPropertyOptional({ example: 1, description: 'The lot (标段) the guarantee secures; default 1 (a tender without lots is one lot)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  lotNo?: number;

  @ApiProperty({ description: "The bidder's (the principal's) unified social credit code", example: '91320900MA1MYYYYY1' })
  @IsUscc()
  bidderUscc: string;

  @ApiProperty({ description: 'The guaranteed amount, CNY; at least the bid security the tender requires', example: '200000.00' })
  @IsMoney({ positive: true })
  amount: string;

  @ApiProperty({ description: 'First day of validity (China Standard Time), YYYY-MM-DD', example: '2026-12-06' })
  @Matches(DAY, { message: 'validFrom must be a day YYYY-MM-DD' })
  validFrom: string;

  @ApiProperty({
    description: 'Last day of validity (CST, through 24:00), YYYY-MM-DD; at least the last day of the bid validity period (TBR Art. 26)',
    example: '2027-03-31',
  })
  @Matches(DAY, { message: 'validUntil must be a day YYYY-MM-DD' })
  validUntil: string;

  @ApiProperty({ description: 'When the issuer issued (or extended) it, ISO-8601 with a time zone', example: '2026-12-06T08:30:00Z' })
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/T.*(Z|[+-]\d{2}:?\d{2})$/, { message: 'issuedAt must be an instant with a time and a time zone' })
  issuedAt: string;
}
