import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { SupervisionScopeDto } from './dto/scope.dto';
import { JurisdictionsService } from './jurisdictions.service';

@ApiTags('jurisdictions (辖区与行业监管)')
@Controller()
export class JurisdictionsController {
  constructor(private readonly jurisdictions: JurisdictionsService) {}

  @Get('jurisdictions')
  @Public()
  @ApiOperation({ summary: 'The city and its counties / districts (GB/T 2260 codes): [{ code, name, level: CITY|COUNTY, parentCode }]' })
  list() {
    return this.jurisdictions.list();
  }

  @Get('classification')
  @Public()
  @ApiOperation({ summary: 'Classes and sub-classes of business (交易分类) with the sector regulator of each sub-class' })
  classification() {
    return this.jurisdictions.classification();
  }

  @Get('supervision/scope')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({ summary: 'The caller’s supervision scope: { jurisdiction, sectors, all } (no scope set: the city, every trade)' })
  mine(@CurrentActor() actor: Actor) {
    return this.jurisdictions.scopeOfUser(actor.userId);
  }

  @Get('admin/users/:id/supervision-scope')
  @Roles(Role.ADMIN)
  @ApiOperation({ summary: 'A supervisor’s scope (404 for any other account)' })
  get(@UuidParam('id') id: string) {
    return this.jurisdictions.scopeForAdmin(id);
  }

  @Put('admin/users/:id/supervision-scope')
  @Roles(Role.ADMIN)
  @ApiOperation({
    summary: 'Scope a SUPERVISOR to a jurisdiction and trades: { jurisdiction: "320981", sectors?: ["HOUSING"] }',
    description:
      'A county supervisor (or a county’s sector regulator) sees only its county’s tenders, flags, cases, complaints and figures; ' +
      'the city’s supervisors see every county. 400 for a non-SUPERVISOR account or an unknown jurisdiction. Idempotent; audited.',
  })
  set(@UuidParam('id') id: string, @Body() dto: SupervisionScopeDto, @CurrentActor() actor: Actor) {
    return this.jurisdictions.setScope(id, dto, actor);
  }
}
