import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from 'src/common/http/page-query.dto';

/** `GET /bids/mine?tenderId=&page=&pageSize=`: the caller's own bids (我的投标), optionally for one tender. */
export class MyBidsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'only the bid for this tender (0 or 1 item)' })
  @IsOptional()
  @IsUUID('all')
  tenderId?: string;
}
