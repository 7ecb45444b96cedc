import { Body, Controller, Get, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { CasesService } from './cases.service';
import { CaseQueryDto, CreateCaseDto, UpdateCaseDto } from './dto/case.dto';
import { UpdateCaseUseCase } from './use-cases/update-case.use-case';

@ApiTags('supervision (监督案件)')
@Controller('supervision/cases')
export class CasesController {
  constructor(
    private readonly cases: CasesService,
    private readonly update: UpdateCaseUseCase,
  ) {}

  @Post()
  @Roles(Role.SUPERVISOR)
  @ApiOperation({
    summary: 'Open a case on a tender from its flags: { tenderId, flagCodes, subjects: [{ organizationId } | { expertId }], summary }',
    description: '201 with the case; the same request again while the case is open returns it with 200 (idempotent).',
  })
  async open(@Body() dto: CreateCaseDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { created, ...view } = await this.cases.open(dto, actor);
    res.status(created ? 201 : 200);
    return view;
  }

  @Get()
  @Roles(Role.SUPERVISOR)
  @ApiOperation({ summary: 'Cases, filtered (status, tenderId, organizationId) and paged: { items, total }' })
  list(@Query() q: CaseQueryDto, @CurrentActor() actor: Actor) {
    return this.cases.list(q, actor);
  }

  @Get(':id')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({ summary: 'One case with its evidence, subjects, findings and penalties' })
  get(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.cases.get(id, actor);
  }

  @Patch(':id')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({
    summary: 'Work a case: { status: INVESTIGATING | DECIDED | CLOSED, findings, penalties }',
    description:
      'OPEN → INVESTIGATING → DECIDED → CLOSED (OPEN/INVESTIGATING → CLOSED dismisses, with findings). Penalties only with ' +
      'DECIDED: companies WARNING / FINE (0.5 %–1 % of the contract amount) / DEBARMENT (months, TBR Arts. 67–68, GPL Art. 77); ' +
      'experts WARNING / DISQUALIFICATION (disabled in the pool, TBR Art. 71). A penalty outside the law’s range is 400.',
  })
  patch(@UuidParam('id') id: string, @Body() dto: UpdateCaseDto, @CurrentActor() actor: Actor) {
    return this.update.execute({ caseId: id, dto, actor });
  }
}
