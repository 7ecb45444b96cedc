import { IsUscc } from 'src/common/http/is-uscc.validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { IsMoney } from 'src/common/money/is-money.validator';
import { MAX_BID_FILE_BYTES } from 'src/sdk/v2/constants';
import { BID_SECURITY_FORMS, BidSecurityForm, TenderCategory } from '../tender.enums';
import { PreTenderDto, QualificationCriterionDto } from './pre-tender.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** An ISO-8601 instant with an explicit offset ("2026-12-20T01:30:00Z"), so that no server time zone is guessed. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
export function IsInstant(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isInstant',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an ISO-8601 instant with a time zone, e.g. "2026-12-20T01:30:00Z"`, ...options },
      validator: { validate: (v: unknown) => typeof v === 'string' && ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v)) },
    });
}

/** A share in [0, 1]: a decimal string ("0.30") or a JSON number (0.3), at most 4 decimals. */
const WEIGHT = /^(0(\.\d{1,4})?|1(\.0{1,4})?)$/;
export function IsWeight(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isWeight',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a share between 0 and 1 with at most 4 decimals, e.g. "0.30"`, ...options },
      validator: { validate: (v: unknown) => typeof v === 'string' && WEIGHT.test(v) },
    });
}
const toWeightString = ({ value }: { value: unknown }) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value);

/** TBR Art. 27 ¶3 / MOF87 Art. 12: "招标人不得规定最低投标限价" — a floor field is refused with its own message. */
export function IsAbsent(message: string) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isAbsent',
      target: object.constructor,
      propertyName,
      options: { message },
      validator: { validate: (v: unknown) => v === undefined },
    });
}

export class DecryptionDto {
  @ApiProperty({ enum: ['BIDDER', 'ESCROW', 'BIDDER_WITH_ESCROW_FALLBACK'] })
  @IsIn(['BIDDER', 'ESCROW', 'BIDDER_WITH_ESCROW_FALLBACK'])
  mode: 'BIDDER' | 'ESCROW' | 'BIDDER_WITH_ESCROW_FALLBACK';

  @ApiProperty({ minimum: 1, maximum: 1440, example: 30, description: 'The decryption window after the deadline (EB20 Art. 30)' })
  @IsInt()
  @Min(1)
  @Max(1440)
  windowMinutes: number;
}

/** What the tender accepts of sealed-bid format v2 (docs/SEALED_BID_FORMAT.md v2.1); both suites when absent. */
export class SealingDto {
  @ApiPropertyOptional({
    enum: ['INTL-1', 'GM-1'],
    isArray: true,
    example: ['INTL-1', 'GM-1'],
    description:
      'The suites bids may be sealed with: INTL-1 (X25519, AES-256-GCM, SHA-256, Ed25519) and/or GM-1 (SM2, SM4-GCM, SM3; 国密). Only GM-1: the national algorithms are required, format v1 (INTL algorithms) is refused.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'acceptedSuites must name at least one suite' })
  @ArrayUnique()
  @IsIn(['INTL-1', 'GM-1'], { each: true, message: 'acceptedSuites may only contain INTL-1 and GM-1' })
  acceptedSuites?: Array<'INTL-1' | 'GM-1'>;

  @ApiPropertyOptional({
    minimum: 1_048_576,
    maximum: MAX_BID_FILE_BYTES,
    description: 'The largest sealed bid file accepted, in bytes (default and upper bound: the platform limit)',
  })
  @IsOptional()
  @IsInt()
  @Min(1_048_576)
  @Max(MAX_BID_FILE_BYTES)
  maxBidFileBytes?: number;
}

export class EvaluationFactorDto {
  @ApiProperty({ example: 'TECH' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'code must be 1-32 letters, digits, _ or -' })
  code: string;

  @ApiProperty({ example: '技术方案' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ example: 40, description: 'Points out of 100 for the whole evaluation' })
  @IsInt()
  @Min(1)
  @Max(100)
  maxScore: number;
}

export class EvaluationDto {
  @ApiProperty({ enum: ['LOWEST_EVALUATED_PRICE', 'COMPREHENSIVE_SCORING'] })
  @IsIn(['LOWEST_EVALUATED_PRICE', 'COMPREHENSIVE_SCORING'])
  method: 'LOWEST_EVALUATED_PRICE' | 'COMPREHENSIVE_SCORING';

  @ApiPropertyOptional({
    example: '0.30',
    description: 'COMPREHENSIVE_SCORING only: the share of the price in the total of 100 points (MOF87 Art. 55)',
  })
  @IsOptional()
  @Transform(toWeightString)
  @IsWeight()
  priceWeight?: string;

  @ApiPropertyOptional({
    type: [EvaluationFactorDto],
    description: 'COMPREHENSIVE_SCORING only: the non-price factors; Σ maxScore = 100 × (1 − priceWeight)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => EvaluationFactorDto)
  factors?: EvaluationFactorDto[];
}

export class PanelSpecialtyDto {
  @ApiProperty({ example: 'A08' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'code must be 1-32 letters, digits, _ or -' })
  code: string;

  @ApiProperty({ example: 5 })
  @IsInt()
  @Min(1)
  @Max(99)
  count: number;
}

export class PanelDto {
  @ApiProperty({ example: 5, description: '≥ 5 and odd (TBL Art. 37; MOF87 Art. 47); ≥ 7 for procurement budgets of ¥10m or more' })
  @IsInt()
  @Min(1)
  @Max(99)
  size: number;

  @ApiProperty({ type: [PanelSpecialtyDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => PanelSpecialtyDto)
  specialties: PanelSpecialtyDto[];
}

export class LotDto {
  @ApiProperty({ example: '第一标段：K0+000~K5+200' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiProperty({ example: '20000000.00' })
  @IsMoney({ positive: true })
  budget: string;

  @ApiPropertyOptional({
    example: '400000.00',
    description: 'The lot’s own bid security (default: the tender’s bidSecurityAmount in proportion to the lot’s budget); ≤ 2% of the lot’s budget (TBR Art. 26; GPR Art. 33)',
  })
  @IsOptional()
  @IsMoney()
  bidSecurityAmount?: string;
}

/** POST /tenders: the API.md body. */
export class CreateTenderDto {
  @ApiProperty({ example: '盐城市开发大道改造工程施工' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiPropertyOptional({ example: '道路拓宽、排水及照明工程' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiProperty({ enum: TenderCategory })
  @IsIn(Object.values(TenderCategory))
  category: TenderCategory;

  @ApiPropertyOptional({
    example: 'HOUSING_MUNICIPAL',
    description: 'The sub-class of business within `category` (GET /classification): 房建市政 HOUSING_MUNICIPAL, 交通 TRANSPORT, 水利 WATER, 监理 WORKS_SUPERVISION...',
  })
  @IsOptional()
  @Matches(/^[A-Z_]{1,40}$/, { message: 'subClass must be a sub-class code (GET /classification)' })
  subClass?: string;

  @ApiPropertyOptional({
    example: '320981',
    description: 'The jurisdiction (GB/T 2260 code, GET /jurisdictions): a county or district, or the city (the default when omitted)',
  })
  @IsOptional()
  @Matches(/^[0-9]{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code (GB/T 2260)' })
  jurisdiction?: string;

  @ApiProperty({ enum: ['ENGINEERING', 'GOV_PROCUREMENT'] })
  @IsIn(['ENGINEERING', 'GOV_PROCUREMENT'])
  regime: 'ENGINEERING' | 'GOV_PROCUREMENT';

  @ApiProperty({ enum: ['OPEN', 'INVITED'] })
  @IsIn(['OPEN', 'INVITED'])
  method: 'OPEN' | 'INVITED';

  @ApiProperty({ example: '40000000.00', description: 'Budget / estimated price (预算 / 估算价), CNY' })
  @IsMoney({ positive: true })
  budget: string;

  @ApiPropertyOptional({ example: '38000000.00', description: '最高投标限价 (TBR Art. 27); no floor may be set' })
  @IsOptional()
  @IsMoney({ positive: true })
  priceCeiling?: string;

  @ApiPropertyOptional({ type: String, deprecated: true, description: 'Refused: a minimum bid price may not be set (TBR Art. 27; MOF87 Art. 12)' })
  @IsAbsent('priceFloor may not be set: a minimum bid price is unlawful (TBR Art. 27 ¶3; MOF87 Art. 12)')
  priceFloor?: unknown;

  @ApiProperty({ example: '2026-12-31T01:30:00Z', description: '投标截止时间, also the opening time' })
  @IsInstant()
  bidDeadline: string;

  @ApiProperty({ example: '200000.00', description: '投标保证金: ≤ 2% of the budget (TBR Art. 26; GPR Art. 33)' })
  @IsMoney()
  bidSecurityAmount: string;

  @ApiPropertyOptional({
    enum: BID_SECURITY_FORMS,
    isArray: true,
    example: ['CASH', 'E_GUARANTEE'],
    description:
      'The forms of bid security accepted (default both): CASH to the virtual sub-account, E_GUARANTEE an electronic letter of guarantee (电子保函) of a bank, guarantor or insurer. GOV_PROCUREMENT must accept a non-cash form (GPR Art. 33)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsIn(BID_SECURITY_FORMS, { each: true })
  bidSecurityForms?: BidSecurityForm[];

  @ApiPropertyOptional({
    example: 90,
    minimum: 1,
    maximum: 366,
    description: '投标有效期 in days, counted from the bid deadline (TBR Art. 25); default 90. A guarantee must stay valid as long (TBR Art. 26)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  bidValidityDays?: number;

  @ApiProperty({ type: DecryptionDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DecryptionDto)
  decryption: DecryptionDto;

  @ApiPropertyOptional({ type: SealingDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SealingDto)
  sealing?: SealingDto;

  @ApiProperty({ type: EvaluationDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => EvaluationDto)
  evaluation: EvaluationDto;

  @ApiProperty({ type: PanelDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PanelDto)
  panel: PanelDto;

  @ApiPropertyOptional({
    type: [String],
    example: ['91320900MA1MXXXXX0'],
    description: 'INVITED tenders only: the unified social credit codes of the invited bidders (投标邀请书), at least 3 (TBL Art. 17; GPL Art. 34); only they may bid',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsUscc({ each: true })
  invitedBidders?: string[];

  @ApiPropertyOptional({
    type: [LotDto],
    description:
      '标段 / 采购包: Σ lot budgets = budget. Numbered 1, 2, … in order; bidders bid and lodge security per lot (/tenders/{id}/lots/{lotNo}/…). ' +
      'Without lots the tender is one lot, number 1, and the v1 paths are that lot',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => LotDto)
  lots?: LotDto[];

  @ApiPropertyOptional({
    type: PreTenderDto,
    description: '容缺预招标: publish before every approval is in hand, on the pledge (承诺书) to supply each pending item by its date',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PreTenderDto)
  preTender?: PreTenderDto;

  @ApiPropertyOptional({
    type: [QualificationCriterionDto],
    description: '资格后审: the criteria the panel checks each bid against after opening (TBR Arts. 20, 49), each with the evidence to attach',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => QualificationCriterionDto)
  qualificationCriteria?: QualificationCriterionDto[];
}
