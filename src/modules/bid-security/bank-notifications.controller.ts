import { Body, Controller, Get, HttpCode, Post, Query, RawBodyRequest, Req, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Role } from 'src/common/auth/role.enum';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { BankSignatureGuard } from './bank-signature.guard';
import { BidSecurityService } from './bid-security.service';
import { BankNotificationDto } from './dto/bank-notification.dto';
import { IngestBankNotification } from './use-cases/ingest-bank-notification.use-case';

@ApiTags('bid security (投标保证金)')
@Controller('bank')
export class BankNotificationsController {
  constructor(
    private readonly ingest: IngestBankNotification,
    private readonly service: BidSecurityService,
  ) {}

  @Post('notifications')
  @Public()
  @UseGuards(BankSignatureGuard)
  @HttpCode(200)
  @ApiHeader({ name: 'X-Bank-Signature', required: true, description: 'hex(HMAC-SHA256(BANK_WEBHOOK_SECRET, raw body))' })
  @ApiOperation({
    summary: 'The bank’s payment notification; idempotent by txnId → { status: ACCEPTED|LATE|TENDER_CLOSED|UNMATCHED|DUPLICATE }',
  })
  notify(@Body() dto: BankNotificationDto, @Req() req: RawBodyRequest<Request>) {
    return this.ingest.execute({ rawBody: req.rawBody as Buffer, notification: dto, ip: req.ip ?? '' });
  }

  @Get('unmatched-payments')
  @Roles(Role.ADMIN, Role.SUPERVISOR)
  @ApiOperation({ summary: 'Payments to sub-accounts the platform never issued (held in suspense, returned to the payer)' })
  unmatched(@Query() q: PageQueryDto) {
    return this.service.unmatched(q.page, q.pageSize);
  }
}
