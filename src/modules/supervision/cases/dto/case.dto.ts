import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { IsMoney } from 'src/common/money/is-money.validator';
import { FLAG_CODES, FlagCode } from '../../flags/engine';
import { PENALTY_GROUNDS, PENALTY_TYPES, PenaltyGround, PenaltyType } from '../penalty-rules';

export const CASE_STATUSES = ['OPEN', 'INVESTIGATING', 'DECIDED', 'CLOSED'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** A company (organizationId) or an expert (expertId): exactly one (checked by the service). */
export class CaseSubjectDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  expertId?: string;
}

export class CreateCaseDto {
  @ApiProperty()
  @IsUUID()
  tenderId: string;

  @ApiProperty({ enum: FLAG_CODES, isArray: true, description: 'Flags of the tender the case rests on (their evidence is copied into the case)' })
  @IsArray()
  @ArrayMaxSize(FLAG_CODES.length)
  @ArrayUnique()
  @IsIn(FLAG_CODES, { each: true })
  flagCodes: FlagCode[];

  @ApiProperty({ type: [CaseSubjectDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CaseSubjectDto)
  subjects: CaseSubjectDto[];

  @ApiProperty({ example: '甲、乙两公司投标文件由同一设备编制，保证金由同一账户转出' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  summary: string;
}

export class PenaltyDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  expertId?: string;

  @ApiProperty({ enum: PENALTY_TYPES, description: 'companies: WARNING, FINE, DEBARMENT; experts: WARNING, DISQUALIFICATION (disabled in the pool)' })
  @IsIn(PENALTY_TYPES)
  type: PenaltyType;

  @ApiProperty({ enum: PENALTY_GROUNDS })
  @IsIn(PENALTY_GROUNDS)
  ground: PenaltyGround;

  @ApiPropertyOptional({ example: '190000.00', description: 'FINE: 0.5 %–1 % of the contract amount (TBL Arts. 53–54; GPL Art. 77)' })
  @IsOptional()
  @IsMoney({ positive: true })
  fineAmount?: string;

  @ApiPropertyOptional({ example: 12, description: 'DEBARMENT: months (collusion 12–24, TBR Art. 67; under another name 12–36, TBR Art. 68; procurement 12–36, GPL Art. 77)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(120)
  debarmentMonths?: number;
}

export class UpdateCaseDto {
  @ApiPropertyOptional({ enum: ['INVESTIGATING', 'DECIDED', 'CLOSED'] })
  @IsOptional()
  @IsIn(['INVESTIGATING', 'DECIDED', 'CLOSED'])
  status?: Exclude<CaseStatus, 'OPEN'>;

  @ApiPropertyOptional({ description: 'Required to decide or to close without a decision' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  findings?: string;

  @ApiPropertyOptional({ type: [PenaltyDto], description: 'Only with status DECIDED' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => PenaltyDto)
  penalties?: PenaltyDto[];
}

export class CaseQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CASE_STATUSES })
  @IsOptional()
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  tenderId?: string;

  @ApiPropertyOptional({ description: 'Cases naming this organisation' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
}
