import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/auth/access.decorators';
import { Role } from 'src/common/auth/role.enum';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { AuditQueryDto, AuditVerifyQueryDto } from './dto/audit-query.dto';
import { AuditService } from './audit.service';

const SEALED =
  'Sealed events (bid submissions, replacements and withdrawals; bid-security accounts, payments and refunds) carry ' +
  'their tender id and field `sealedUntilOpeningOf`, and are hidden from every listing and count until that tender ' +
  'is opened (status past PUBLISHED and the bid deadline passed; TBL Art. 22): before the opening the answers are ' +
  'the same whether a tender has no bid or many. Afterwards `?tenderId=` shows them in the order they were written.';

@ApiTags('audit (留痕)')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly jurisdictions: JurisdictionsService,
  ) {}

  @Get()
  @Roles(Role.SUPERVISOR)
  @ApiOperation({
    summary: 'The audit events, optionally of one tender or one action, in the order they were written: { items, total }',
    description:
      'Each item is the hashed content of an event (stream, streamSeq, occurredAt, actorId, actorRole, ip, action, ' +
      'objectType, objectId, tenderId, sealedUntilOpeningOf?, data) with its prevHash and hash: ' +
      'hash = SHA-256(prevHash ‖ canonical JSON of the event, keys sorted). ' +
      SEALED,
  })
  async list(@Query() q: AuditQueryDto, @CurrentActor() actor: Actor) {
    // A county supervisor or sector regulator reads its own tenders' events only (issue 19).
    await this.jurisdictions.assertAuditAccess(actor, q.tenderId, true);
    return this.audit.list({ tenderId: q.tenderId, action: q.action, page: q.page, pageSize: q.pageSize });
  }

  @Get('verify')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({
    summary: 'Recompute the hash chains: { valid, events, headHash, streams, brokenAt? }',
    description:
      "Checks every chain — with `tenderId`, the tender's stream and the streams of its bids and bid securities — " +
      'sealed ones included: an edited, deleted or reordered row anywhere makes `valid` false. `events`, `streams` ' +
      'and `headHash` (SHA-256 over the sorted "stream:head" lines) cover the visible events only, and a break in a ' +
      'sealed stream is reported without its place (`brokenAt: { sealed: true }`) until its tender is opened. ' +
      SEALED,
  })
  async verify(@Query() q: AuditVerifyQueryDto, @CurrentActor() actor: Actor) {
    await this.jurisdictions.assertAuditAccess(actor, q.tenderId, false);
    return this.audit.verify(q.tenderId);
  }
}
