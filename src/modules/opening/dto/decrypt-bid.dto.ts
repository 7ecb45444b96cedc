import { ApiProperty } from '@nestjs/swagger';
import { IsDefined } from 'class-validator';
import { BID_KEY_BYTES } from 'src/sdk';
import { IsBase64Bytes } from '../../bids/dto/submit-bid.dto';

/** POST /tenders/{id}/bids/{bidId}/decryption: the bidder reveals its bid key during the window. */
export class DecryptBidDto {
  @ApiProperty({ description: `base64 of the ${BID_KEY_BYTES}-byte bid key` })
  @IsDefined()
  @IsBase64Bytes(BID_KEY_BYTES)
  key: string;
}
