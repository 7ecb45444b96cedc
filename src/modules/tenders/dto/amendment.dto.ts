import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { IsInstant } from './create-tender.dto';
import { DocumentUploadDto } from './document.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** POST /tenders/{id}/amendments (API.md): `{ text, bidDeadline? }`, plus optional kind and new document versions. */
export class CreateAmendmentDto {
  @ApiProperty({ example: '第3.2条工期由365日历天调整为300日历天；投标截止时间相应顺延。' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(20_000)
  text: string;

  @ApiPropertyOptional({
    example: '2027-01-20T01:30:00Z',
    description: 'The new bid deadline (required when the amendment is less than 15 days before the current one, under enforced periods)',
  })
  @IsOptional()
  @IsInstant()
  bidDeadline?: string;

  @ApiPropertyOptional({ enum: ['AMENDMENT', 'CLARIFICATION'], default: 'AMENDMENT', description: '修改 or 澄清; both follow the 15-day rule (TBR Art. 21)' })
  @IsOptional()
  @IsIn(['AMENDMENT', 'CLARIFICATION'])
  kind?: 'AMENDMENT' | 'CLARIFICATION';

  @ApiPropertyOptional({ type: [DocumentUploadDto], description: 'New versions of document files, part of the amendment' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => DocumentUploadDto)
  documents?: DocumentUploadDto[];
}

/** POST /tenders/{id}/cancel (API.md): `{ reason }`. */
export class CancelTenderDto {
  @ApiProperty({ example: '项目资金来源发生变化，终止招标' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}
