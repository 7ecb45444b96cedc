import { Body, Controller, Delete, Get, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { GrantAgencyDto } from './agency.dto';
import { AgencyService } from './agency.service';

@ApiTags('accounts')
@Controller('agency-authorizations')
export class AgencyController {
  constructor(private readonly agency: AgencyService) {}

  @Post()
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({
    summary: '招标代理: authorise a tendering agent for one tender or all the entity’s tenders: { agentOrganizationId, tenderId? }',
    description:
      'The agent’s users may then act on those tenders as the entity (publish, amend, answer objections, ...); each audit event ' +
      'records data.actingAsAgent { agentOrganizationId, onBehalfOfOrganizationId }. 201 new, 200 when already active. ' +
      '400 VALIDATION_FAILED for a bidder organisation or the entity itself (TBR Art. 13); 404 for a tender not the entity’s.',
  })
  async grant(@Body() dto: GrantAgencyDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { created, ...view } = await this.agency.grant(dto, actor);
    res.status(created ? 201 : 200);
    return view;
  }

  @Get()
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({ summary: 'The authorisations the caller’s organisation granted and received: { granted, received }' })
  list(@CurrentActor() actor: Actor) {
    return this.agency.list(actor);
  }

  @Delete(':id')
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({ summary: 'Revoke an authorisation (the granting entity only); repeated: same answer' })
  revoke(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.agency.revoke(id, actor);
  }
}
