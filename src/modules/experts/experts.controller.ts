import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { AvailabilityDto, ConflictDto, CreateExpertDto, DeclineAssignmentDto, DisableExpertDto, ListExpertsQueryDto, UpdateExpertDto } from './dto/expert.dto';
import { ExpertsService } from './experts.service';
import { PanelService } from './panel.service';

class AlertsQueryDto {
  @IsOptional()
  @Type(() => Boolean)
  @IsBoolean()
  open?: boolean;
}

/** The expert pool (评标专家库), managed by administrators (API.md "Expert pool"). */
@ApiTags('expert pool (评标专家库)')
@Controller('experts')
export class ExpertsController {
  constructor(
    private readonly experts: ExpertsService,
    private readonly panels: PanelService,
  ) {}

  @Post()
  @Roles(Role.ADMIN)
  @ApiOperation({ summary: 'Add an expert profile to the pool for a user with role EXPERT (≥ 8 years, senior title: TBL Art. 37)' })
  create(@Body() dto: CreateExpertDto, @CurrentActor() actor: Actor) {
    return this.experts.create(dto, actor);
  }

  @Get()
  @Roles(Role.ADMIN, Role.SUPERVISOR)
  @ApiOperation({ summary: 'The pool, paged { items, total }; confidential, every read is audited' })
  list(@Query() q: ListExpertsQueryDto, @CurrentActor() actor: Actor) {
    return this.experts.list(q, actor);
  }

  @Get('draw-alerts')
  @Roles(Role.ADMIN, Role.SUPERVISOR)
  @ApiOperation({ summary: 'Panels that could not be drawn (too few eligible experts, unlawful composition); pool changes during an evaluation (POOL_CHANGED)' })
  alerts(@Query() q: AlertsQueryDto, @CurrentActor() actor: Actor) {
    return this.panels.alerts(q.open !== false, actor);
  }

  @Get(':id')
  @Roles(Role.ADMIN, Role.SUPERVISOR)
  get(@UuidParam('id') id: string) {
    return this.experts.get(id);
  }

  @Patch(':id')
  @Roles(Role.ADMIN)
  update(@UuidParam('id') id: string, @Body() dto: UpdateExpertDto, @CurrentActor() actor: Actor) {
    return this.experts.update(id, dto, actor);
  }

  @Post(':id/disable')
  @Roles(Role.ADMIN, Role.SUPERVISOR)
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a penalised expert: never drawn again; open seats are replaced (TBR Arts. 48, 71)' })
  disable(@UuidParam('id') id: string, @Body() dto: DisableExpertDto, @CurrentActor() actor: Actor) {
    return this.experts.disable(id, dto.reason, actor);
  }

  @Post(':id/enable')
  @Roles(Role.ADMIN)
  @HttpCode(200)
  enable(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.experts.enable(id, actor);
  }

  @Post(':id/conflicts')
  @Roles(Role.ADMIN)
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a conflict of interest (回避事由) with an organisation' })
  addConflict(@UuidParam('id') id: string, @Body() dto: ConflictDto, @CurrentActor() actor: Actor) {
    return this.experts.addConflict(id, dto, actor);
  }

  @Delete(':id/conflicts/:conflictId')
  @Roles(Role.ADMIN)
  withdrawConflict(@UuidParam('id') id: string, @UuidParam('conflictId') conflictId: string, @CurrentActor() actor: Actor) {
    return this.experts.withdrawConflict(id, conflictId, actor);
  }
}

/** What an expert does itself: its declarations and its assignments (API.md "Panel"). */
@ApiTags('expert (评标专家)')
@Controller('expert')
export class ExpertSelfController {
  constructor(
    private readonly experts: ExpertsService,
    private readonly panels: PanelService,
  ) {}

  @Get('profile')
  @Roles(Role.EXPERT)
  profile(@CurrentActor() actor: Actor) {
    return this.experts.mine(actor);
  }

  @Post('conflicts')
  @Roles(Role.EXPERT)
  @HttpCode(200)
  @ApiOperation({ summary: 'Declare a conflict of interest (EXP26 Art. 9: keep declarations current); open seats concerned are vacated' })
  declareConflict(@Body() dto: ConflictDto, @CurrentActor() actor: Actor) {
    return this.experts.declareOwnConflict(dto, actor);
  }

  @Put('availability')
  @Roles(Role.EXPERT)
  @ApiOperation({ summary: 'Declare availability; an unavailable expert is not drawn' })
  availability(@Body() dto: AvailabilityDto, @CurrentActor() actor: Actor) {
    return this.experts.setAvailability(dto, actor);
  }

  @Get('assignments')
  @Roles(Role.EXPERT)
  @ApiOperation({ summary: 'My panel assignments [{ id, tenderId, status, ... }]' })
  assignments(@CurrentActor() actor: Actor) {
    return this.panels.assignments(actor);
  }

  @Post('assignments/:id/accept')
  @Roles(Role.EXPERT)
  @HttpCode(200)
  accept(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.panels.accept(id, actor);
  }

  @Post('assignments/:id/decline')
  @Roles(Role.EXPERT)
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline (or recuse with a conflict): a replacement is drawn the same way and recorded (TBR Art. 48)' })
  decline(@UuidParam('id') id: string, @Body() dto: DeclineAssignmentDto, @CurrentActor() actor: Actor) {
    return this.panels.decline(id, dto, actor);
  }
}
