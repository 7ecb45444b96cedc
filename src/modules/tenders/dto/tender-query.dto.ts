import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { TenderCategory, TenderStatus } from '../tender.enums';

/** GET /tenders?page&pageSize&status&regime&category&q&mine */
export class TenderQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TenderStatus })
  @IsOptional()
  @IsIn(Object.values(TenderStatus))
  status?: TenderStatus;

  @ApiPropertyOptional({ enum: ['ENGINEERING', 'GOV_PROCUREMENT'] })
  @IsOptional()
  @IsIn(['ENGINEERING', 'GOV_PROCUREMENT'])
  regime?: 'ENGINEERING' | 'GOV_PROCUREMENT';

  @ApiPropertyOptional({ enum: TenderCategory })
  @IsOptional()
  @IsIn(Object.values(TenderCategory))
  category?: TenderCategory;

  @ApiPropertyOptional({ example: '320981', description: 'Only the tenders of this jurisdiction (GB/T 2260 code)' })
  @IsOptional()
  @Matches(/^[0-9]{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code (GB/T 2260)' })
  jurisdiction?: string;

  @ApiPropertyOptional({ example: 'WATER', description: 'Only the tenders of this sub-class of business (GET /classification)' })
  @IsOptional()
  @Matches(/^[A-Z_]{1,40}$/, { message: 'subClass must be a sub-class code (GET /classification)' })
  subClass?: string;

  @ApiPropertyOptional({ description: 'Words of the title' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ description: "PROCURING_ENTITY: the caller's own tenders, drafts included" })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  mine?: boolean;
}
