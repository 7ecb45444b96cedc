import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { BID_IV_BYTES, ESCROWED_KEY_BYTES, GCM_TAG_BYTES, MAX_CIPHERTEXT_BASE64_LENGTH, MAX_CIPHERTEXT_BYTES, MAX_CLIENT_FIELD_LENGTH, MAX_MAC_ADDRESSES } from 'src/sdk';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The byte length of `text` when it is canonical standard base64 (padded, no whitespace, zero unused bits — what
 * the SDK's decodeBase64Strict accepts), else -1. Node's decoder skips characters it does not know, so a shorter
 * result than the length promises means a bad character; it also reads the URL-safe alphabet, refused here. No
 * regular expression and no re-encoding: a 20 MB ciphertext is checked in one native pass.
 */
export function canonicalBase64Length(text: string): number {
  if (text.length % 4 !== 0) return -1;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const eq = text.indexOf('=');
  if (eq !== -1 && eq < text.length - pad) return -1;
  if (text.includes('-') || text.includes('_')) return -1;
  const expected = (text.length / 4) * 3 - pad;
  if (pad) {
    // The last character before the padding may not carry bits that the decoder would drop.
    const last = ALPHABET.indexOf(text[text.length - pad - 1]);
    if (last < 0 || last % (pad === 2 ? 16 : 4) !== 0) return -1;
  }
  return Buffer.from(text, 'base64').length === expected ? expected : -1;
}

/** Strict standard base64 (padded, canonical) of `min`..`max` bytes — the format v1 fields. */
export function IsBase64Bytes(min: number, max = min, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isBase64Bytes',
      target: object.constructor,
      propertyName,
      options: {
        message: min === max ? `${propertyName} must be standard base64 of exactly ${min} bytes` : `${propertyName} must be standard base64 of ${min} to ${max} bytes`,
        ...options,
      },
      validator: {
        validate: (v: unknown) => {
          if (typeof v !== 'string' || v.length > Math.ceil(max / 3) * 4) return false;
          const n = canonicalBase64Length(v);
          return n >= min && n <= max;
        },
      },
    });
}

/** "00-1A-2B-3C-4D-5E" → "00:1a:2b:3c:4d:5e", so that the collusion screens compare like with like. */
const normalizeMac = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase().replace(/-/g, ':') : value);
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Where the bid was prepared (regulations.md §2: same device / MAC / author across bidders is a collusion signal). */
export class BidClientDto {
  @ApiProperty({ example: '3f2a9c0d1e4b5a6978a1b2c3d4e5f607', description: 'A stable id of the machine that sealed the bid' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_CLIENT_FIELD_LENGTH)
  deviceId: string;

  @ApiPropertyOptional({ example: ['00:1a:2b:3c:4d:5e'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_MAC_ADDRESSES)
  @Transform(({ value }) => (Array.isArray(value) ? value.map(normalizeMac) : value))
  @Matches(MAC, { each: true, message: 'each of macAddresses must be a MAC address like "00:1a:2b:3c:4d:5e"' })
  macAddresses?: string[];

  @ApiPropertyOptional({ example: 'bid-seal/0.1.0 (sealed-bid v1)' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CLIENT_FIELD_LENGTH)
  toolVersion?: string;

  @ApiPropertyOptional({ example: '王工', description: 'The author recorded in the bid documents' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CLIENT_FIELD_LENGTH)
  documentAuthor?: string;
}

/** POST /tenders/{id}/bids: a bid sealed on the bidder's machine (API.md "Sealed bids", format v1). */
export class SubmitBidDto {
  @ApiProperty({
    description: `base64 of AES-256-GCM(key, iv, plaintext, aad = "<tenderId>|<bidderOrganizationId>") with the 16-byte tag appended; at most ${MAX_CIPHERTEXT_BYTES} bytes`,
    maxLength: MAX_CIPHERTEXT_BASE64_LENGTH,
  })
  @IsDefined()
  @IsBase64Bytes(GCM_TAG_BYTES + 1, MAX_CIPHERTEXT_BYTES)
  ciphertext: string;

  @ApiProperty({ description: 'base64 of the 12-byte GCM nonce' })
  @IsDefined()
  @IsBase64Bytes(BID_IV_BYTES)
  iv: string;

  @ApiProperty({ description: 'hex(SHA-256(UTF-8 "bid-key-v1" ‖ key)), 64 lowercase hex digits', example: 'a3…' })
  @IsDefined()
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'keyCommitment must be 64 lowercase hex digits' })
  keyCommitment: string;

  @ApiPropertyOptional({
    description: `base64(ephemeralPublic(32) ‖ iv2(12) ‖ AES-256-GCM(kek, iv2, key) ‖ tag(16)), ${ESCROWED_KEY_BYTES} bytes; required when the tender's decryption mode is ESCROW`,
  })
  @IsOptional()
  @IsBase64Bytes(ESCROWED_KEY_BYTES)
  escrowedKey?: string;

  @ApiProperty({ type: BidClientDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BidClientDto)
  client: BidClientDto;
}
