import { Body, Controller, Get, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { ComplaintsService } from './complaints.service';
import { ComplaintQueryDto, FileComplaintDto, HandleComplaintDto } from './dto/complaint.dto';

@ApiTags('supervision (投诉)')
@Controller()
export class ComplaintsController {
  constructor(private readonly complaints: ComplaintsService) {}

  @Post('tenders/:id/complaints')
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary: 'File a complaint (投诉) to the supervisory department: { stage, text, knownAt? }',
    description:
      'DOCUMENTS / RESULT need the complainant’s objection first, answered or past its answer period (409 OBJECTION_REQUIRED); ' +
      'within 10 days of the answer (TBR Art. 60) or 15 working days after the answer period (GPL Art. 55), else 422 ' +
      'LEGAL_PERIOD_VIOLATION. The response shows acceptDueAt (3 working days, TBR Art. 61). The same request again: 200, same complaint.',
  })
  async file(@UuidParam('id') id: string, @Body() dto: FileComplaintDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { created, ...view } = await this.complaints.file(id, dto, actor);
    res.status(created ? 201 : 200);
    return view;
  }

  @Get('tenders/:id/complaints')
  @Roles(Role.BIDDER, Role.SUPERVISOR)
  @ApiOperation({ summary: 'The complaints of a tender: a supervisor sees all, a bidder its own' })
  ofTender(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.complaints.ofTender(id, actor);
  }

  @Get('supervision/complaints')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({
    summary: 'Complaints, filtered (status, tenderId) and paged: { items, total }',
    description:
      'A complaint filed before the deadline of a tender that seals identities (issue 17) names no complainant until the deadline: ' +
      '`complainantOrganizationId` and `complainantName` null, `complainantSealed: true`, and `complainantStanding` ' +
      '{ downloadedDocuments, objectorOf } attested by the platform at filing. The complainant itself sees its own name.',
  })
  list(@Query() q: ComplaintQueryDto, @CurrentActor() actor: Actor) {
    return this.complaints.list(q, actor);
  }

  @Get('supervision/complaints/:id')
  @Roles(Role.SUPERVISOR)
  get(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.complaints.get(id, actor);
  }

  @Patch('supervision/complaints/:id')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({
    summary: 'Accept or refuse (within 3 working days, TBR Art. 61), then decide (within 30 working days): { status, reason?, decision?, decisionText? }',
  })
  handle(@UuidParam('id') id: string, @Body() dto: HandleComplaintDto, @CurrentActor() actor: Actor) {
    return this.complaints.handle(id, dto, actor);
  }
}
