import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { DocumentUploadDto } from './document.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The approval items a pre-tender may still lack. PROJECT_APPROVAL (审批/核准) and FUNDING (资金落实) are not among
 * them: TBL Art. 9 (not in regulations.md; from the statute text) requires both before any tendering.
 */
export const PENDING_APPROVAL_KINDS = ['PLANNING_PERMIT', 'CONSTRUCTION_DRAWINGS_REVIEW', 'LAND_USE', 'CONSTRUCTION_PERMIT', 'OTHER'] as const;
export type PendingApprovalKind = (typeof PENDING_APPROVAL_KINDS)[number];

export class PendingApprovalDto {
  @ApiProperty({
    enum: [...PENDING_APPROVAL_KINDS, 'PROJECT_APPROVAL', 'FUNDING'],
    example: 'PLANNING_PERMIT',
    description:
      '建设工程规划许可证 PLANNING_PERMIT, 施工图审查合格书 CONSTRUCTION_DRAWINGS_REVIEW, 用地批准 LAND_USE, 施工许可 CONSTRUCTION_PERMIT, OTHER. ' +
      'PROJECT_APPROVAL and FUNDING are refused (400): TBL Art. 9 (not in regulations.md; from the statute text) requires them before tendering.',
  })
  @IsString()
  @Matches(/^[A-Z_]{1,40}$/, { message: 'kind must be an approval kind code' })
  kind: string;

  @ApiProperty({ example: '建设工程规划许可证' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: '2027-02-28T09:00:00Z', description: 'The date the pledge gives for supplying it; unsupplied then, the tender ends' })
  @IsString()
  @Matches(ISO_INSTANT, { message: 'dueAt must be an ISO-8601 instant with a time zone' })
  dueAt: string;
}

/** 容缺预招标: the pledge (承诺书) and the approval items still pending. */
export class PreTenderDto {
  @ApiProperty({ type: DocumentUploadDto, description: '承诺书: the procuring entity’s written pledge to supply each item by its date' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DocumentUploadDto)
  pledge: DocumentUploadDto;

  @ApiProperty({ type: [PendingApprovalDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => PendingApprovalDto)
  pendingApprovals: PendingApprovalDto[];
}

/** POST /tenders/{id}/pending-approvals/{itemId}/supply: the approval, supplied. */
export class SupplyApprovalDto {
  @ApiPropertyOptional({ example: '建字第320981202600017号', description: 'The approval’s own number' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  documentNo?: string;

  @ApiProperty({ type: DocumentUploadDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DocumentUploadDto)
  document: DocumentUploadDto;
}

/** POST /tenders/{id}/pending-approvals/{itemId}/reject */
export class RejectApprovalDto {
  @ApiProperty({ example: '规划许可证载明的建设单位与招标人不一致' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason: string;
}

export const CRITERION_TYPES = ['QUALIFICATION_CERTIFICATE', 'PAST_PERFORMANCE', 'PROJECT_MANAGER', 'FINANCIAL_STANDING', 'CREDIT_RECORD', 'OTHER'] as const;

/** One qualification criterion of post-qualification (资格后审), published with the tender (TBR Arts. 20, 49). */
export class QualificationCriterionDto {
  @ApiProperty({ example: 'Q1' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'code must be 1-32 letters, digits, _ or -' })
  code: string;

  @ApiProperty({
    enum: CRITERION_TYPES,
    description: '资质 QUALIFICATION_CERTIFICATE (class and grade), 业绩 PAST_PERFORMANCE, 项目经理 PROJECT_MANAGER, 财务 FINANCIAL_STANDING, 信用 CREDIT_RECORD',
  })
  @IsIn(CRITERION_TYPES)
  type: (typeof CRITERION_TYPES)[number];

  @ApiProperty({ example: '市政公用工程施工总承包二级及以上资质' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  requirement: string;

  @ApiProperty({ example: '资质证书副本扫描件', description: 'The evidence a bidder must attach' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  evidence: string;
}
