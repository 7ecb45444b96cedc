import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { FLAG_CODES, FlagCode, Severity, SEVERITIES } from '../engine';

/** GET /supervision/flags?code=&severity=&tenderId=&bidderId=&from=&to=&page=&pageSize= */
export class FlagQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: FLAG_CODES })
  @IsOptional()
  @IsIn(FLAG_CODES)
  code?: FlagCode;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ description: 'Flags of this tender, or history flags whose evidence includes it' })
  @IsOptional()
  @IsUUID()
  tenderId?: string;

  @ApiPropertyOptional({ description: 'Flags naming this bidder (organisation id)' })
  @IsOptional()
  @IsUUID()
  bidderId?: string;

  @ApiPropertyOptional({ description: 'Computed at or after this instant (ISO-8601)' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Computed before this instant (ISO-8601)' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;
}
