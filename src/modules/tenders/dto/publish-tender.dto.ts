import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** POST /tenders/{id}/publish: no field is needed; an optional note goes to the audit log. Other fields → 400. */
export class PublishTenderDto {
  @ApiPropertyOptional({ example: '经招标人审批同意发布' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}
