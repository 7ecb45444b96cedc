import { ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { IsOptional, IsString, IsUUID, Matches } from 'class-validator';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  tenderId?: string;

  @ApiPropertyOptional({ example: 'TENDER_PUBLISHED' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z_]+$/)
  action?: string;
}

export class AuditVerifyQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  tenderId?: string;
}
