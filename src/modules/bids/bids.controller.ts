import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { BidsService } from './bids.service';
import { MyBidsQueryDto } from './dto/my-bids-query.dto';
import { SubmitBidDto } from './dto/submit-bid.dto';
import { PlatformKeyService } from './platform-key.service';
import { GmReceiptKeyService } from './uploads/gm-receipt-key.service';
import { SubmitBidUseCase } from './use-cases/submit-bid.use-case';
import { WithdrawBidUseCase } from './use-cases/withdraw-bid.use-case';

@ApiTags('sealed bids (电子投标文件)')
@Controller()
export class BidsController {
  constructor(
    private readonly submit: SubmitBidUseCase,
    private readonly withdrawal: WithdrawBidUseCase,
    private readonly bids: BidsService,
    private readonly keys: PlatformKeyService,
    private readonly gmKeys: GmReceiptKeyService,
  ) {}

  @Post('tenders/:id/bids')
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary: 'Submit (or replace) a sealed bid, format v1: → 201 signed receipt { bidId, version, receivedAt, ciphertextSha256, signature }',
    description:
      'Refused with 409 BID_DEADLINE_PASSED at or after the deadline (database clock), 409 TENDER_NOT_OPEN_FOR_BIDS, ' +
      '409 BID_SECURITY_MISSING; nothing is stored then. Sending the same sealed bid again returns the same receipt. ' +
      'On a tender with lots (标段) this is lot 1; other lots: POST /tenders/{id}/lots/{lotNo}/bids.',
  })
  create(@UuidParam('id') id: string, @Body() dto: SubmitBidDto, @CurrentActor() actor: Actor) {
    return this.submit.execute({ tenderId: id, dto, actor });
  }

  @Get('bids/mine')
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary:
      "The caller's own bids (我的投标) across tenders, newest first: { items: [{ bidId, tenderId, tenderTitle, " +
      'tenderStatus, bidDeadline, version, status, receivedAt }], total }; `?tenderId=` for one tender (an empty list when ' +
      'it has no bid there, where GET /tenders/{id}/bids/mine answers 404)',
  })
  listMine(@Query() q: MyBidsQueryDto, @CurrentActor() actor: Actor) {
    return this.bids.listMine(actor, q);
  }

  @Get('tenders/:id/bids/mine')
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary:
      "The caller's own bid: latest receipt, status and version history (404 when it has none); for a format v2 version " +
      'also `envelope: { segmentSize, ciphertextLength, noncePrefix, escrowedKey }`, the rest of the envelope its ' +
      'receipt signs, so the bidder can verify the receipt again (docs/SEALED_BID_FORMAT.md v2.5)',
  })
  mine(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.bids.mine(id, actor);
  }

  @Delete('tenders/:id/bids/mine')
  @Roles(Role.BIDDER)
  @HttpCode(200)
  @ApiOperation({ summary: "Withdraw (撤回) the caller's bid before the deadline (TBL Art. 29): { bidId, status, withdrawnAt }" })
  withdraw(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.withdrawal.execute({ tenderId: id, actor });
  }

  @Get('platform/keys')
  @Public()
  @ApiOperation({ summary: "The platform's public keys: { receiptPublicKey } (SPKI PEM, Ed25519) to verify bid receipts" })
  platformKeys() {
    // v1 fields unchanged; format v2 adds the SM2 receipt key of GM-1 receipts (hex 04‖x‖y) and the accepted formats.
    return {
      receiptPublicKey: this.keys.receiptPublicKeyPem,
      receiptKeyAlgorithm: 'Ed25519',
      sealingFormat: 'v1',
      receiptPublicKeySm2: this.gmKeys.publicKey,
      sealingFormats: ['v1', 'v2'],
      suites: ['INTL-1', 'GM-1'],
    };
  }
}
