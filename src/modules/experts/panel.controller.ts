import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor, OptionalActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { PanelService } from './panel.service';

/** The evaluation committee of a tender (评标委员会) and its verifiable draw (API.md "Panel, evaluation, award"). */
@ApiTags('panel (评标委员会)')
@Controller('tenders/:id/panel')
export class PanelController {
  constructor(private readonly panels: PanelService) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: 'The committee { drawId, seedCommitment, seed?, members }: supervisors always, its sitting experts, everyone after the award',
  })
  get(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null) {
    return this.panels.panel(id, actor);
  }

  @Get('draw-record')
  @Public()
  @ApiOperation({ summary: 'The recorded draw to recompute (docs/EXPERT_DRAW.md): candidate lists with the seed after the award' })
  record(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null) {
    return this.panels.drawRecord(id, actor);
  }

  @Post('redraw')
  @Roles(Role.SUPERVISOR, Role.ADMIN)
  @HttpCode(200)
  @ApiOperation({ summary: 'Fill the vacant seats again (after too few eligible experts): 409 INSUFFICIENT_EXPERTS if still short' })
  redraw(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.panels.redraw(id, actor);
  }
}
