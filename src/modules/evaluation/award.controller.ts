import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { AwardsService } from './awards.service';
import { AnswerObjectionDto, AwardDefaultDto, AwardDto, ContractDto, PublicityDto, ResultObjectionDto } from './dto/evaluation.dto';
import { AwardTenderUseCase } from './use-cases/award-tender.use-case';
import { PublishCandidatesUseCase } from './use-cases/publish-candidates.use-case';
import { RecordContractUseCase } from './use-cases/record-contract.use-case';

/** From the report to the contract: publicity, objections, award and notice, contract (API.md). */
@ApiTags('award (定标)')
@Controller('tenders/:id')
export class AwardController {
  constructor(
    private readonly awards: AwardsService,
    private readonly publishCandidates: PublishCandidatesUseCase,
    private readonly awardTender: AwardTenderUseCase,
    private readonly recordContract: RecordContractUseCase,
  ) {}

  @Post('publicity')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the candidates until endsAt (default and minimum 3 days, TBR Art. 54; any instant under relaxed)' })
  publicity(@UuidParam('id') id: string, @Body() dto: PublicityDto, @CurrentActor() actor: Actor) {
    return this.publishCandidates.execute({ tenderId: id, endsAt: dto.endsAt, actor });
  }

  @Get('candidates')
  @Public()
  @ApiOperation({ summary: 'The public candidate notice (or the procurement award announcement)' })
  candidates(@UuidParam('id') id: string) {
    return this.awards.publicity(id);
  }

  @Post('result-objections')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: 'Object to the result during the publicity; answered within 3 days, award suspended meanwhile (TBR Art. 54)' })
  object(@UuidParam('id') id: string, @Body() dto: ResultObjectionDto, @CurrentActor() actor: Actor) {
    return this.awards.fileObjection(id, dto, actor);
  }

  @Get('result-objections')
  @Roles(Role.BIDDER, Role.PROCURING_ENTITY, Role.SUPERVISOR)
  objections(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.awards.objections(id, actor);
  }

  @Post('result-objections/:oid/answer')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Answer an objection; upheld → the committee examines again' })
  answer(@UuidParam('id') id: string, @UuidParam('oid') oid: string, @Body() dto: AnswerObjectionDto, @CurrentActor() actor: Actor) {
    return this.awards.answerObjection(id, oid, dto, actor);
  }

  @Post('award')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Award a candidate (rank 1 for state-funded projects, TBR Art. 55) and issue the notice of award' })
  award(@UuidParam('id') id: string, @Body() dto: AwardDto, @CurrentActor() actor: Actor) {
    return this.awardTender.execute({ tenderId: id, bidId: dto.bidId, actor });
  }

  @Get('award')
  @Public()
  getAward(@UuidParam('id') id: string) {
    return this.awards.award(id);
  }

  @Post('award/default')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'The awardee refused to sign: AwardeeDefaulted; next candidate or re-tender (TBR Arts. 55, 74)' })
  recordDefault(@UuidParam('id') id: string, @Body() dto: AwardDefaultDto, @CurrentActor() actor: Actor) {
    return this.awards.recordDefault(id, dto, actor);
  }

  @Get('result-notice')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: 'My notice of award or result notice (own rank and score)' })
  resultNotice(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.awards.resultNotice(id, actor);
  }

  @Post('contract')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Record the contract, signed within 30 days of the notice (TBL Art. 46): bid securities become REFUND_DUE' })
  contract(@UuidParam('id') id: string, @Body() dto: ContractDto, @CurrentActor() actor: Actor) {
    return this.recordContract.execute({ tenderId: id, signedAt: dto.signedAt, contractNo: dto.contractNo, amount: dto.amount, actor });
  }
}
