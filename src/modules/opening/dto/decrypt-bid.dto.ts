import { ApiProperty } from '@nestjs/swagger';
import { IsDefined } from 'class-validator';
import { BID_KEY_BYTES } from 'src/sdk';
import { IsBase64Bytes } from '../../bids/dto/submit-bid.dto';

/** POST /tenders/{id}/bids/{bidId}/decryption: the bidder reveals its bid key during the window. */
export class DecryptBidDto {
  @ApiProperty({ description: `base64 of the bid key: ${BID_KEY_BYTES} bytes (v1, v2 INTL-1) or 16 bytes (v2 GM-1)` })
  @IsDefined()
  @IsBase64Bytes(16, BID_KEY_BYTES)
  key: string;
}
