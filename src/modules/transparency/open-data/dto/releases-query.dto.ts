import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class ReleasesQueryDto {
  @ApiProperty({ description: 'The tender (招标项目) id' })
  @IsUUID()
  tenderId: string;
}
