import { Controller, Get, Header, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { LotNoParam, UuidParam } from 'src/common/http/validation';
import { BidSecurityService } from './bid-security.service';
import { BidSecurityDocuments } from './documents/bid-security-documents';

const pdf = (content: Buffer, name: string) => new StreamableFile(content, { type: 'application/pdf', disposition: `inline; filename="${name}"` });

@ApiTags('bid security (投标保证金)')
@Controller('tenders/:id/bid-security')
export class BidSecurityController {
  constructor(
    private readonly service: BidSecurityService,
    private readonly documents: BidSecurityDocuments,
  ) {}

  @Get('account')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: 'The bidder’s virtual sub-account for this tender and the amount to pay: { virtualAccountNo, amount }' })
  account(@UuidParam('id') tenderId: string, @CurrentActor() actor: Actor) {
    return this.service.issueAccount(tenderId, actor);
  }

  @Get('mine')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: 'The bidder’s own status: { status: UNPAID|PAID|REFUND_DUE|REFUNDED|FORFEITED, paidAmount, ... }' })
  mine(@UuidParam('id') tenderId: string, @CurrentActor() actor: Actor) {
    return this.service.mine(tenderId, actor);
  }

  @Get('mine/receipt.pdf')
  @Roles(Role.BIDDER)
  @ApiProduces('application/pdf')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: '投标保证金缴纳凭证: the bidder’s receipt (PDF, Chinese)' })
  async receipt(@UuidParam('id') tenderId: string, @CurrentActor() actor: Actor) {
    return pdf((await this.documents.receipt(tenderId, actor)).content, 'bid-security-receipt.pdf');
  }

  @Get('mine/refund-notice.pdf')
  @Roles(Role.BIDDER)
  @ApiProduces('application/pdf')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: '投标保证金退还通知书: the refunds made to the bidder (PDF, Chinese)' })
  async refundNotice(@UuidParam('id') tenderId: string, @CurrentActor() actor: Actor) {
    return pdf((await this.documents.refundNotice(tenderId, actor)).content, 'bid-security-refund-notice.pdf');
  }

  @Get()
  @Roles(Role.PROCURING_ENTITY, Role.SUPERVISOR, Role.ADMIN)
  @ApiOperation({ summary: 'Every sub-account with its payments and payers (the tender’s owner and supervisors, after opening)' })
  list(@UuidParam('id') tenderId: string, @CurrentActor() actor: Actor) {
    return this.service.list(tenderId, actor);
  }

  @Get('guarantees')
  @Roles(Role.PROCURING_ENTITY, Role.SUPERVISOR, Role.ADMIN)
  @ApiOperation({ summary: '电子保函: every electronic guarantee lodged for the tender with its bidder and status (owner and supervisors, after opening)' })
  guarantees(@UuidParam('id') tenderId: string, @CurrentActor() actor: Actor) {
    return this.service.listGuarantees(tenderId, actor);
  }

  @Get('reconciliation')
  @Roles(Role.PROCURING_ENTITY, Role.SUPERVISOR, Role.ADMIN)
  @ApiOperation({ summary: 'The tender’s bid-security ledger reconciled against the bank’s notifications and the refunds (after opening)' })
  reconciliation(@UuidParam('id') tenderId: string, @CurrentActor() actor: Actor) {
    return this.service.reconciliation(tenderId, actor);
  }
}

/** 标段: the security of one lot — its own sub-account, amount and status. The v1 routes are lot 1. */
@ApiTags('bid security (投标保证金)')
@Controller('tenders/:id/lots/:lotNo/bid-security')
export class LotBidSecurityController {
  constructor(private readonly service: BidSecurityService) {}

  @Get('account')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: 'The bidder’s virtual sub-account for this lot and the lot’s amount: { virtualAccountNo, amount, lotNo }' })
  async account(@UuidParam('id') tenderId: string, @LotNoParam() lotNo: number, @CurrentActor() actor: Actor) {
    return { ...(await this.service.issueAccount(tenderId, actor, lotNo)), lotNo };
  }

  @Get('mine')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: 'The bidder’s own security for this lot (cash and electronic guarantees)' })
  async mine(@UuidParam('id') tenderId: string, @LotNoParam() lotNo: number, @CurrentActor() actor: Actor) {
    return { lotNo, ...(await this.service.mine(tenderId, actor, lotNo)) };
  }
}
