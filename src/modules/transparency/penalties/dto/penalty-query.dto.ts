import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from 'src/common/http/page-query.dto';

class DecidedBetweenDto {
  @ApiPropertyOptional({ example: '2026-01-01', description: 'Decided on or after this day (北京时间)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'from must be a real calendar date' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31', description: 'Decided on or before this day (北京时间)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'to must be a real calendar date' })
  to?: string;
}

/** `?page=&pageSize=&from=&to=` for the published penalties. */
export class PenaltyQueryDto extends IntersectionType(PageQueryDto, DecidedBetweenDto) {}
