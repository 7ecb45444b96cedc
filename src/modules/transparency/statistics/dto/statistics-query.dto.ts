import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `?from=YYYY-MM-DD&to=YYYY-MM-DD`: calendar days in Beijing time (北京时间), both included. */
export class StatisticsQueryDto {
  @ApiPropertyOptional({ example: '2026-01-01', description: 'First day (北京时间), included. Default: 1 January of the current year.' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'from must be a real calendar date' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31', description: 'Last day (北京时间), included. Default: today.' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'to must be a real calendar date' })
  to?: string;

  @ApiPropertyOptional({
    example: '320981',
    description: 'Only this jurisdiction (GB/T 2260 code; GET /jurisdictions). Default: the whole city — for a scoped supervisor, its own jurisdiction and trades.',
  })
  @IsOptional()
  @Matches(/^[0-9]{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code (GB/T 2260)' })
  jurisdiction?: string;
}
