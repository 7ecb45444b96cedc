import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDateString, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { COMPLAINT_REMEDIES, COMPLAINT_STAGES, ComplaintRemedy, ComplaintStage } from '../complaint-rules';

export const COMPLAINT_STATUSES = ['FILED', 'ACCEPTED', 'REFUSED', 'DECIDED'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export class FileComplaintDto {
  @ApiProperty({
    enum: COMPLAINT_STAGES,
    description:
      'DOCUMENTS and RESULT need an answered (or overdue) objection / challenge first; OPENING needs the objection at the opening (engineering) or a challenge to the process (procurement); OTHER: engineering only',
  })
  @IsIn(COMPLAINT_STAGES)
  stage: ComplaintStage;

  @ApiProperty({ example: '招标文件设置了与合同履行无关的资格条件，异议答复后仍未修改' })
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  text: string;

  @ApiPropertyOptional({ description: 'OTHER only: when the complainant knew or should have known (TBR Art. 60), ISO-8601' })
  @IsOptional()
  @IsDateString({ strict: true })
  knownAt?: string;
}

export class HandleComplaintDto {
  @ApiProperty({ enum: ['ACCEPTED', 'REFUSED', 'DECIDED'] })
  @IsIn(['ACCEPTED', 'REFUSED', 'DECIDED'])
  status: Exclude<ComplaintStatus, 'FILED'>;

  @ApiPropertyOptional({ description: 'REFUSED: why (TBR Art. 61: not within the scope or the conditions)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  reason?: string;

  @ApiPropertyOptional({ enum: ['UPHELD', 'DISMISSED'] })
  @IsOptional()
  @IsIn(['UPHELD', 'DISMISSED'])
  decision?: 'UPHELD' | 'DISMISSED';

  @ApiPropertyOptional({ description: 'DECIDED: the decision (处理决定)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  decisionText?: string;

  @ApiPropertyOptional({
    description:
      'ACCEPTED only: order the tender suspended while the complaint is handled (TBR Art. 62; procurement at most 30 days, GPL Art. 57). ' +
      "No award or contract meanwhile; a PUBLISHED tender's deadline stops and moves later by the suspension.",
  })
  @IsOptional()
  @IsBoolean()
  suspend?: boolean;

  @ApiPropertyOptional({
    enum: COMPLAINT_REMEDIES,
    description: 'DECIDED + UPHELD only: RE_EVALUATION (the tender is in PUBLICITY: the committee evaluates again) or RE_TENDER (the tender FAILS; the entity re-tenders)',
  })
  @IsOptional()
  @IsIn(COMPLAINT_REMEDIES)
  remedy?: ComplaintRemedy;
}

export class ComplaintQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: COMPLAINT_STATUSES })
  @IsOptional()
  @IsIn(COMPLAINT_STATUSES)
  status?: ComplaintStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  tenderId?: string;
}
