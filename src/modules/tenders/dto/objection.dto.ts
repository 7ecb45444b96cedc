import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** POST /tenders/{id}/objections: 异议 to the tender documents (TBR Art. 22). */
export class CreateObjectionDto {
  @ApiProperty({ example: '招标文件第二章资格条件要求“本地业绩”，违反《招标投标法实施条例》第三十二条。' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(20_000)
  text: string;
}

/** POST /tenders/{id}/objections/{objectionId}/answer */
export class AnswerObjectionDto {
  @ApiProperty({ example: '经核查，删除“本地业绩”要求，详见第2号澄清。' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(20_000)
  answer: string;
}
