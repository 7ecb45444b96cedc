import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { MAX_SEGMENT_SIZE, MIN_SEGMENT_SIZE, NONCE_PREFIX_BYTES } from 'src/sdk/v2/constants';
import { BidClientDto, IsBase64Bytes } from '../dto/submit-bid.dto';

/** POST /tenders/{id}/bid-uploads: the envelope of a v2 sealed bid file (docs/SEALED_BID_FORMAT.md v2.6). */
export class CreateBidUploadDto {
  @ApiProperty({ enum: [2] })
  @IsIn([2])
  formatVersion: 2;

  @ApiProperty({ example: 'INTL-1', description: 'INTL-1 or GM-1; must be one the tender accepts' })
  @IsString()
  suite: string;

  @ApiProperty({ example: 1048576, description: 'plaintext bytes per segment: a power of two from 4096 to 16 MiB' })
  @IsInt()
  @Min(MIN_SEGMENT_SIZE)
  @Max(MAX_SEGMENT_SIZE)
  segmentSize: number;

  @ApiProperty({ description: 'the sealed file length in bytes' })
  @IsInt()
  @Min(16)
  @Max(Number.MAX_SAFE_INTEGER)
  ciphertextLength: number;

  @ApiProperty({ description: 'v2.4 file hash, 64 lowercase hex digits' })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'ciphertextHash must be 64 lowercase hex digits' })
  ciphertextHash: string;

  @ApiProperty({ description: 'base64 of the 7-byte nonce prefix' })
  @IsDefined()
  @IsBase64Bytes(NONCE_PREFIX_BYTES)
  noncePrefix: string;

  @ApiProperty({ description: 'hex(H(UTF-8 "bid-key-v2|<suite>" ‖ key))' })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'keyCommitment must be 64 lowercase hex digits' })
  keyCommitment: string;

  @ApiPropertyOptional({ description: 'base64: 92 bytes for INTL-1 (v1 §4 wrap), 113 bytes for GM-1 (SM2 C1‖C3‖C2)' })
  @IsOptional()
  @IsBase64Bytes(92, 113)
  escrowedKey?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 50,
    default: 1,
    description: '标段: the lot bid for (default 1; a tender without lots is one lot, number 1). 404 for a lot the tender does not have.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  lotNo?: number;

  @ApiProperty({ type: BidClientDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BidClientDto)
  client: BidClientDto;
}
