import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/auth/access.decorators';
import { Role } from 'src/common/auth/role.enum';
import { AuditQueryDto, AuditVerifyQueryDto } from './dto/audit-query.dto';
import { AuditService } from './audit.service';

@ApiTags('audit (留痕)')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles(Role.SUPERVISOR)
  @ApiOperation({ summary: 'The audit events, optionally of one tender, in order' })
  list(@Query() q: AuditQueryDto) {
    return this.audit.list({ tenderId: q.tenderId, action: q.action, page: q.page, pageSize: q.pageSize });
  }

  @Get('verify')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({ summary: 'Recompute the hash chains: { valid, events, headHash }' })
  verify(@Query() q: AuditVerifyQueryDto) {
    return this.audit.verify(q.tenderId);
  }
}
