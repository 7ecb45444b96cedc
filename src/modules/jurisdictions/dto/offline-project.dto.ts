import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { IsMoney } from 'src/common/money/is-money.validator';
import { TenderCategory } from 'src/modules/tenders/tender.enums';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * POST /offline-projects: a project registered at the trading centre (进场登记) but traded offline, recorded for the
 * statistics only (电子化交易率). It is never a tender: no bids, no security, no flags.
 */
export class RegisterOfflineProjectDto {
  @ApiProperty({ example: 'DT-JL-2026-017', description: 'The centre’s registration number (unique)' })
  @Transform(trim)
  @IsString()
  @Matches(/^[A-Za-z0-9_\-/]{1,64}$/, { message: 'projectNo must be 1-64 letters, digits, _ - /' })
  projectNo: string;

  @ApiProperty({ example: '东台市城东新区道路工程施工监理' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiProperty({ enum: TenderCategory })
  @IsIn(Object.values(TenderCategory))
  category: TenderCategory;

  @ApiProperty({ example: 'WORKS_SUPERVISION', description: 'The sub-class within the category (GET /classification)' })
  @Matches(/^[A-Z_]{1,40}$/, { message: 'subClass must be a sub-class code (GET /classification)' })
  subClass: string;

  @ApiProperty({ enum: ['ENGINEERING', 'GOV_PROCUREMENT'] })
  @IsIn(['ENGINEERING', 'GOV_PROCUREMENT'])
  regime: 'ENGINEERING' | 'GOV_PROCUREMENT';

  @ApiPropertyOptional({ example: '320981', description: 'GB/T 2260 code; default: the city' })
  @IsOptional()
  @Matches(/^[0-9]{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code (GB/T 2260)' })
  jurisdiction?: string;

  @ApiProperty({ example: '东台市城东新区建设发展有限公司' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  procuringEntityName: string;

  @ApiProperty({ example: '1200000.00' })
  @IsMoney({ positive: true })
  budget: string;

  @ApiPropertyOptional({ example: '1150000.00' })
  @IsOptional()
  @IsMoney({ positive: true })
  contractAmount?: string;

  @ApiProperty({ example: '2026-03-15', description: 'The trading day (北京时间), not in the future' })
  @Matches(DAY, { message: 'tradedOn must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'tradedOn must be a real calendar date' })
  tradedOn: string;

  @ApiProperty({ example: '项目进场登记时平台尚未开通监理标段电子化交易' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  offlineReason: string;
}

export class OfflineProjectQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: '2026-01-01' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}
