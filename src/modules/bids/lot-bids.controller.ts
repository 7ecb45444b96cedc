import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { LotNoParam, UuidParam } from 'src/common/http/validation';
import { BidsService } from './bids.service';
import { SubmitBidDto } from './dto/submit-bid.dto';
import { SubmitBidUseCase } from './use-cases/submit-bid.use-case';
import { WithdrawBidUseCase } from './use-cases/withdraw-bid.use-case';

/**
 * 标段: a bidder bids for one or more lots of a tender, one sealed bid per lot (same format v1, same receipt). The v1
 * paths (/tenders/{id}/bids…) are lot 1, so a tender without lots answers exactly as before.
 */
@ApiTags('sealed bids (电子投标文件)')
@Controller('tenders/:id/lots/:lotNo/bids')
export class LotBidsController {
  constructor(
    private readonly submit: SubmitBidUseCase,
    private readonly withdrawal: WithdrawBidUseCase,
    private readonly bids: BidsService,
  ) {}

  @Post()
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary: 'Submit (or replace) a sealed bid for one lot (标段): → 201 signed receipt, as POST /tenders/{id}/bids',
    description: '404 for a lot the tender does not have; 409 BID_SECURITY_MISSING without the lot’s own security; otherwise as the v1 route.',
  })
  create(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @Body() dto: SubmitBidDto, @CurrentActor() actor: Actor) {
    return this.submit.execute({ tenderId: id, dto, actor, lotNo });
  }

  @Get('mine')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: "The caller's own bid for the lot: latest receipt, status and history (404 when none)" })
  mine(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @CurrentActor() actor: Actor) {
    return this.bids.mine(id, actor, lotNo);
  }

  @Delete('mine')
  @Roles(Role.BIDDER)
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw (撤回) the caller’s bid for the lot before the deadline (TBL Art. 29); its security of that lot is refunded' })
  withdraw(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @CurrentActor() actor: Actor) {
    return this.withdrawal.execute({ tenderId: id, actor, lotNo });
  }
}
