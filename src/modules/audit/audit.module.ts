import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditHeadsService } from './audit-heads.service';
import { AuditService } from './audit.service';

@Global()
@Module({ controllers: [AuditController], providers: [AuditService, AuditHeadsService], exports: [AuditService, AuditHeadsService] })
export class AuditModule {}
