import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { OfflineProjectQueryDto, RegisterOfflineProjectDto } from './dto/offline-project.dto';
import { OfflineProjectsService } from './offline-projects.service';

@ApiTags('statistics (线下交易项目登记)')
@Controller('offline-projects')
export class OfflineProjectsController {
  constructor(private readonly offline: OfflineProjectsService) {}

  @Post()
  @Roles(Role.ADMIN)
  @ApiOperation({
    summary:
      'Register a project traded offline (for the electronic share only): { projectNo, title, category, subClass, regime, jurisdiction?, procuringEntityName, budget, contractAmount?, tradedOn, offlineReason }',
    description: '201 created; the same request again 200 with the same row; another body under the same projectNo 409 CONFLICT. Never a tender: no bids.',
  })
  async register(@Body() dto: RegisterOfflineProjectDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { created, ...view } = await this.offline.register(dto, actor);
    res.status(created ? 201 : 200);
    return view;
  }

  @Get()
  @Roles(Role.ADMIN, Role.SUPERVISOR)
  @ApiOperation({ summary: 'Offline projects, newest trading day first, paged: { items, total } (a scoped supervisor: its jurisdiction and trades)' })
  list(@Query() q: OfflineProjectQueryDto, @CurrentActor() actor: Actor) {
    return this.offline.list(q, actor);
  }
}
