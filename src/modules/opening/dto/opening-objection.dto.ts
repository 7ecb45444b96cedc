import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** POST /tenders/{id}/opening-objections: a bidder's objection raised in the opening hall (TBR Art. 44). */
export class RaiseOpeningObjectionDto {
  @ApiProperty({ example: '第2号投标文件的递交时间与回执不一致' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  text: string;
}

/** POST /tenders/{id}/opening-objections/{objectionId}/answer: the procuring entity's answer on the spot. */
export class AnswerOpeningObjectionDto {
  @ApiProperty({ example: '经核对平台回执，递交时间以平台服务器时间为准，异议不成立' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  answer: string;
}
