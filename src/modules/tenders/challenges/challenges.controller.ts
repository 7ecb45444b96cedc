import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { AnswerChallengeDto, FileChallengeDto } from './challenge.dto';
import { ChallengesService } from './challenges.service';

@ApiTags('tenders (招标项目)')
@Controller('tenders/:id/challenges')
export class ChallengesController {
  constructor(private readonly challenges: ChallengesService) {}

  @Post()
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary: '质疑 (procurement) to the process or the award: { subject: PROCESS|AWARD, text }',
    description:
      'A supplier whose bid was opened; within 7 working days from the end of the opening (PROCESS) or of the award announcement ' +
      '(AWARD) (GPL Art. 52; GPR Art. 53), else 422 LEGAL_PERIOD_VIOLATION; before that step ended 409. Engineering tenders: 409 ' +
      '(objections instead). The answer is due in 7 working days (answerDueAt). An AWARD challenge suspends the contract until answered. ' +
      '201 new; the same request again 200.',
  })
  async file(@UuidParam('id') id: string, @Body() dto: FileChallengeDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { created, ...view } = await this.challenges.file(id, dto, actor);
    res.status(created ? 201 : 200);
    return view;
  }

  @Get()
  @Roles(Role.BIDDER, Role.PROCURING_ENTITY, Role.SUPERVISOR)
  @ApiOperation({ summary: 'The challenges of a tender: the purchaser and supervisors see all, a supplier its own: { items }' })
  list(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.challenges.list(id, actor);
  }

  @Post(':challengeId/answer')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'The purchaser answers in writing (GPL Art. 53): { answer, upheld }; a late answer is recorded as late' })
  answer(@UuidParam('id') id: string, @UuidParam('challengeId') challengeId: string, @Body() dto: AnswerChallengeDto, @CurrentActor() actor: Actor) {
    return this.challenges.answer(id, challengeId, dto, actor);
  }
}
