import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from 'src/common/auth/access.decorators';
import { PenaltyQueryDto } from './dto/penalty-query.dto';
import { PublishedPenaltiesService } from './published-penalties.service';

@ApiTags('transparency (信息公开)')
@Controller('penalties')
export class PublishedPenaltiesController {
  constructor(private readonly penalties: PublishedPenaltiesService) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: 'Published penalties (不良行为记录公告): final penalties of supervision cases, newest first, paged { items, total }',
    description:
      'Who (company with its USCC, or expert), the penalty and its Chinese name, the ground, the article (legalBasis), the fine, ' +
      'the debarment period (effectiveFrom–effectiveUntil), the decision instant and the tender. Only decided cases (DECIDED, ' +
      'or CLOSED after a decision): nothing of an open or investigating case (TBR Art. 78). `from`/`to` filter by decision day, 北京时间.',
  })
  list(@Query() q: PenaltyQueryDto) {
    return this.penalties.list(q);
  }
}
