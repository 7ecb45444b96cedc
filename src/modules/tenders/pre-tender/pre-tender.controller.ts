import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor, OptionalActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { RejectApprovalDto, SupplyApprovalDto } from '../dto/pre-tender.dto';
import { PreTenderService } from './pre-tender.service';

@ApiTags('tenders (容缺预招标)')
@Controller('tenders/:id/pending-approvals')
export class PreTenderController {
  constructor(private readonly preTender: PreTenderService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'The approval items a pre-tender still lacks, with the date pledged for each and its status (public like the notice)' })
  list(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null) {
    return this.preTender.list(id, actor);
  }

  @Post(':itemId/supply')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Supply a pending approval: { documentNo?, document: { name, contentBase64 } } — before its pledged date (422 LEGAL_PERIOD_VIOLATION after)',
  })
  supply(@UuidParam('id') id: string, @UuidParam('itemId') itemId: string, @Body() dto: SupplyApprovalDto, @CurrentActor() actor: Actor) {
    return this.preTender.supply(id, itemId, dto, actor);
  }

  @Post(':itemId/accept')
  @Roles(Role.SUPERVISOR)
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept a supplied approval (the supervisor of the tender’s jurisdiction and trade); the contract waits until every item is accepted' })
  accept(@UuidParam('id') id: string, @UuidParam('itemId') itemId: string, @CurrentActor() actor: Actor) {
    return this.preTender.accept(id, itemId, actor);
  }

  @Post(':itemId/reject')
  @Roles(Role.SUPERVISOR)
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a supplied approval with a reason: pending again until its date; rejected after the date, the tender ends (TBR Art. 31)' })
  reject(@UuidParam('id') id: string, @UuidParam('itemId') itemId: string, @Body() dto: RejectApprovalDto, @CurrentActor() actor: Actor) {
    return this.preTender.reject(id, itemId, dto, actor);
  }
}
