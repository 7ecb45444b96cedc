import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditHeadsService } from './audit-heads.service';
import { AuditService } from './audit.service';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditHeadsRepository } from './audit-heads.repository';

@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditHeadsService, AuditEventsRepository, AuditHeadsRepository],
  exports: [AuditService, AuditHeadsService, AuditEventsRepository, AuditHeadsRepository],
})
export class AuditModule {}
