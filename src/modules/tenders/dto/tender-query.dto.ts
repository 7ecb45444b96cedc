import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
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
