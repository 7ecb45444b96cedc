import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';
import { ENGINEERING_RULES } from 'src/common/law/regulations';
import { IsUscc } from 'src/common/http/is-uscc.validator';
import { IsInstant } from 'src/modules/tenders/dto/create-tender.dto';
import { PageQueryDto } from 'src/common/http/page-query.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);

/** The same code syntax as a tender's panel specialties (CreateTenderDto). */
export const SPECIALTY_CODE = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * 高级职称: senior (副高级) and full senior (正高级) titles of the professional title system. TBL Art. 37 and PB12
 * Art. 11 ask for "高级职称或者具有同等专业水平": an equivalent level needs the pool administrator's note.
 */
export const SENIOR_TITLE = /(正高级|副高级|高级|教授|研究员|主任医师|主任药师|主任护师|高工)/;

/** TBL Art. 37; PB12 Art. 11: a senior title, or an equivalent professional level with a note saying why. */
export function IsSeniorTitleOrEquivalent(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isSeniorTitleOrEquivalent',
      target: object.constructor,
      propertyName,
      options: {
        message:
          `${propertyName} must be a senior title (高级职称, e.g. 高级工程师, 正高级经济师, 教授), or titleEquivalenceNote must ` +
          'explain the equivalent professional level (TBL Art. 37; PB12 Art. 11)',
        ...options,
      },
      validator: {
        validate: (v: unknown, args: ValidationArguments) => {
          if (typeof v !== 'string') return false;
          const note = (args.object as { titleEquivalenceNote?: unknown }).titleEquivalenceNote;
          return SENIOR_TITLE.test(v) || (typeof note === 'string' && note.trim().length > 0);
        },
      },
    });
}

export class ConflictDto {
  @ApiProperty({ example: '91320900MA1MXXXXX0', description: 'The organisation (统一社会信用代码) the expert has a conflict with' })
  @Transform(upper)
  @IsUscc()
  uscc: string;

  @ApiProperty({ example: '配偶在该单位任项目经理' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason: string;
}

/** POST /experts (API.md "Expert pool"). */
export class CreateExpertDto {
  @ApiProperty({ description: 'A user with role EXPERT (POST /admin/users)' })
  @IsUUID()
  userId: string;

  @ApiProperty({ example: '王建国' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  name: string;

  @ApiProperty({ example: ['A08'], description: 'Specialty codes of the pool classification' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(SPECIALTY_CODE, { each: true, message: 'each specialty must be 1-32 letters, digits, _ or -' })
  specialties: string[];

  @ApiProperty({ example: '江苏省盐城市' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  region: string;

  @ApiProperty({ example: '12320900466012345X', description: '工作单位 (employer) by its USCC' })
  @Transform(upper)
  @IsUscc()
  employerUscc: string;

  @ApiProperty({ example: '高级工程师' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  @IsSeniorTitleOrEquivalent()
  title: string;

  @ApiPropertyOptional({ description: 'Why the expert has a professional level equivalent to a senior title (TBL Art. 37)' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  titleEquivalenceNote?: string;

  @ApiProperty({ example: 12, minimum: ENGINEERING_RULES.expertMinYears })
  @IsInt()
  @Min(ENGINEERING_RULES.expertMinYears, {
    message: `yearsOfExperience must be at least ${ENGINEERING_RULES.expertMinYears} (TBL Art. 37; PB12 Art. 11)`,
  })
  @Max(70)
  yearsOfExperience: number;

  @ApiProperty({ type: [ConflictDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ConflictDto)
  conflicts: ConflictDto[] = [];
}

/** PATCH /experts/{id}: the administrator corrects a profile. */
export class UpdateExpertDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  name?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(SPECIALTY_CODE, { each: true, message: 'each specialty must be 1-32 letters, digits, _ or -' })
  specialties?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  region?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(upper)
  @IsUscc()
  employerUscc?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  @IsSeniorTitleOrEquivalent()
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  titleEquivalenceNote?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(ENGINEERING_RULES.expertMinYears, {
    message: `yearsOfExperience must be at least ${ENGINEERING_RULES.expertMinYears} (TBL Art. 37; PB12 Art. 11)`,
  })
  @Max(70)
  yearsOfExperience?: number;
}

export class ListExpertsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'A08' })
  @IsOptional()
  @Matches(SPECIALTY_CODE)
  specialty?: string;

  @ApiPropertyOptional({ enum: ['ACTIVE', 'DISABLED'] })
  @IsOptional()
  @IsIn(['ACTIVE', 'DISABLED'])
  status?: 'ACTIVE' | 'DISABLED';
}

export class DisableExpertDto {
  @ApiProperty({ example: '评标中私下接触投标人，取消评标专家资格' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason: string;
}

/** PUT /expert/availability: an expert declares when it cannot be drawn. */
export class AvailabilityDto {
  @ApiProperty()
  @IsBoolean()
  available: boolean;

  @ApiPropertyOptional({ description: 'With available=false: unavailable until this instant (otherwise until declared available)' })
  @IsOptional()
  @IsInstant()
  until?: string;
}

/** POST /expert/assignments/{id}/decline */
export class DeclineAssignmentDto {
  @ApiPropertyOptional({ example: '时间冲突' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({ type: ConflictDto, description: 'A conflict with the procuring entity or a bidder (回避): recorded in the profile' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConflictDto)
  conflict?: ConflictDto;
}
