import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBase64, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A file of the tender documents, as base64 in JSON (the sealed bids travel the same way). */
export class DocumentUploadDto {
  @ApiProperty({ example: '招标文件.pdf', description: 'The file name; a new upload under the same name is its next version' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  // eslint-disable-next-line no-control-regex -- control characters are what the pattern refuses
  @Matches(/^[^\\/\u0000-\u001f\u007f]+$/, { message: 'name may not contain slashes or control characters' })
  name: string;

  @ApiPropertyOptional({ example: 'application/pdf' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i, { message: 'contentType must be a MIME type such as application/pdf' })
  @MaxLength(100)
  contentType?: string;

  @ApiProperty({ description: 'The file, base64 (at most 15 MB decoded)' })
  @IsString()
  @IsNotEmpty()
  @IsBase64()
  contentBase64: string;
}
