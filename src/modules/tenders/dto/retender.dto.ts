import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsInstant } from './create-tender.dto';

/** POST /tenders/{id}/re-tender: 重新招标 of a FAILED tender. */
export class RetenderDto {
  @ApiProperty({ example: '2027-01-31T01:30:00Z', description: 'The new 投标截止时间 (the draft is checked again at publication)' })
  @IsInstant()
  bidDeadline: string;

  @ApiPropertyOptional({ description: 'A new title; by default the failed tender’s title with “（重新招标）”' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  title?: string;
}
