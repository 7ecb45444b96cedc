import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { IsMoney } from 'src/common/money/is-money.validator';
import { IsInstant } from 'src/modules/tenders/dto/create-tender.dto';
import { RejectionGround } from '../scoring/evaluation-engine';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** `{ "TECH": 42.5, ... }`: factor codes to points, numbers ≥ 0 with at most 2 decimals. */
export function IsFactorScores(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isFactorScores',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must map factor codes to numbers ≥ 0 with at most 2 decimals, e.g. { "TECH": 42.5 }`, ...options },
      validator: {
        validate: (v: unknown) =>
          typeof v === 'object' &&
          v !== null &&
          !Array.isArray(v) &&
          Object.keys(v).length <= 50 &&
          Object.entries(v as Record<string, unknown>).every(
            ([k, x]) => /^[A-Za-z0-9_-]{1,32}$/.test(k) && typeof x === 'number' && Number.isFinite(x) && x >= 0 && /^\d+(\.\d{1,2})?$/.test(String(x)),
          ),
      },
    });
}

/** POST /tenders/{id}/evaluation/scores (API.md). */
/** 资格后审: one member's finding on one published qualification criterion. */
export class CriterionFindingDto {
  @ApiProperty({ example: 'Q1', description: 'The code of a criterion the tender published' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'code must be 1-32 letters, digits, _ or -' })
  code: string;

  @ApiProperty({ description: 'met (满足) or not' })
  @IsBoolean()
  met: boolean;

  @ApiProperty({ example: '资质证书为市政公用工程施工总承包二级，有效期至2028年' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason: string;
}

export class ScoreDto {
  @ApiProperty()
  @IsUUID()
  bidId: string;

  @ApiProperty({ description: 'Passes the qualification review (资格后审) and is substantively responsive' })
  @IsBoolean()
  qualified: boolean;

  @ApiPropertyOptional({ type: [String], example: ['项目经理无一级建造师注册证书'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(1000, { each: true })
  reasons?: string[];

  @ApiPropertyOptional({ enum: RejectionGround, isArray: true, description: 'The grounds of TBR Art. 51 (qualified=false only)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(Object.values(RejectionGround), { each: true })
  grounds?: RejectionGround[];

  @ApiPropertyOptional({ example: { TECH: 42.5, SERVICE: 18 }, description: 'COMPREHENSIVE_SCORING: every published factor, ≤ its maxScore' })
  @IsOptional()
  @IsFactorScores()
  factorScores?: Record<string, number>;

  @ApiPropertyOptional({
    type: [CriterionFindingDto],
    description:
      '资格后审 with published criteria: met / not met with a reason for every criterion (required then; refused otherwise). ' +
      'A criterion not met makes qualified=false (TBR Art. 51(3)); its reasons are used when `reasons` is omitted.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => CriterionFindingDto)
  criteria?: CriterionFindingDto[];
}

export class SignDto {
  @ApiPropertyOptional({ description: 'A dissent, with its reasons, written into the report (PB12 Art. 43)' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(5000)
  dissent?: string;
}

export class CompetitionDecisionDto {
  @ApiProperty({ enum: ['REJECT_ALL', 'CONTINUE'], description: 'Fewer than 3 valid bids: reject all for lack of competition, or continue (PB12 Art. 27)' })
  @IsIn(['REJECT_ALL', 'CONTINUE'])
  decision: 'REJECT_ALL' | 'CONTINUE';

  @ApiProperty({ description: 'The reasoning, written into the report (O1117 (十三))' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  reason: string;
}

export class ClarificationRequestDto {
  @ApiProperty()
  @IsUUID()
  bidId: string;

  @ApiProperty({ enum: ['MINOR_DEVIATION', 'CURABLE_DEFICIENCY', 'ABNORMALLY_LOW_PRICE', 'AMBIGUITY'] })
  @IsIn(['MINOR_DEVIATION', 'CURABLE_DEFICIENCY', 'ABNORMALLY_LOW_PRICE', 'AMBIGUITY'])
  kind: 'MINOR_DEVIATION' | 'CURABLE_DEFICIENCY' | 'ABNORMALLY_LOW_PRICE' | 'AMBIGUITY';

  @ApiProperty({ example: '投标函附录 工期栏', description: 'The part of the bid concerned' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  item: string;

  @ApiProperty({ example: '请书面说明投标函与已标价工程量清单合计金额不一致的原因' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  question: string;

  @ApiProperty({ example: '2026-12-20T08:00:00Z', description: 'Inside the evaluation; the bidder answers before it' })
  @IsInstant()
  deadline: string;
}

export class AttachmentRefDto {
  @ApiProperty({ example: '社保缴纳证明.pdf' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty()
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lowercase hex characters' })
  sha256: string;
}

export class ClarificationResponseDto {
  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  text: string;

  @ApiPropertyOptional({ type: [AttachmentRefDto], description: 'Non-substantive proofs only (容缺, CURABLE_DEFICIENCY requests)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AttachmentRefDto)
  attachments?: AttachmentRefDto[];
}

export class ClarificationDecisionDto {
  @ApiProperty({ description: 'Does the panel accept the answer?' })
  @IsBoolean()
  accepted: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(5000)
  note?: string;
}

export class EvaluationRulesDto {
  @ApiPropertyOptional({ description: 'Allow curable deficiencies (容缺) for non-substantive proofs during evaluation (default off)' })
  @IsOptional()
  @IsBoolean()
  curableDeficiencies?: boolean;

  @ApiPropertyOptional({ description: 'State-funded (国有资金占控股或者主导地位): the rank-1 candidate must be awarded (TBR Art. 55); default true' })
  @IsOptional()
  @IsBoolean()
  stateFunded?: boolean;
}

export class PublicityDto {
  @ApiPropertyOptional({ description: 'Default and minimum: 3 days (TBR Art. 54) under LEGAL_PERIODS=enforced' })
  @IsOptional()
  @IsInstant()
  endsAt?: string;
}

export class ResultObjectionDto {
  @ApiProperty({ example: '第一中标候选人项目经理有在建项目，不满足招标文件要求' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  text: string;
}

export class AnswerObjectionDto {
  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  answer: string;

  @ApiProperty({ description: 'Upheld: the result is re-examined by the original panel (the tender goes back to EVALUATION)' })
  @IsBoolean()
  upheld: boolean;
}

export class AwardDto {
  @ApiProperty()
  @IsUUID()
  bidId: string;
}

export class AwardDefaultDto {
  @ApiProperty({ example: '中标人放弃中标，未在规定期限内签订合同' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  reason: string;

  @ApiProperty({ enum: ['NEXT_CANDIDATE', 'RETENDER'], description: 'TBR Art. 55: the next candidate in rank, or a new tender' })
  @IsIn(['NEXT_CANDIDATE', 'RETENDER'])
  next: 'NEXT_CANDIDATE' | 'RETENDER';
}

export class ContractDto {
  @ApiPropertyOptional({
    example: '2026-12-28T02:00:00Z',
    description: 'Within 30 days of the notice of award (TBL Art. 46); omitted: now, by the database clock',
  })
  @IsOptional()
  @IsInstant()
  signedAt?: string;

  @ApiPropertyOptional({ example: 'YC-2026-0087' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  contractNo?: string;

  @ApiPropertyOptional({ example: '36500000.00', description: 'Must equal the winning bid price (TBR Art. 57)' })
  @IsOptional()
  @IsMoney({ positive: true })
  amount?: string;
}
