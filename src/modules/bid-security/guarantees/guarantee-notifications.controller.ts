import { Body, Controller, HttpCode, Post, RawBodyRequest, Req, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from 'src/common/auth/access.decorators';
import { BankSignatureGuard } from '../bank-signature.guard';
import { GuaranteeNotificationDto } from './guarantee-notification.dto';
import { GuaranteeStatusQueryDto } from './guarantee-status.dto';
import { RegisterGuarantee } from './register-guarantee.use-case';

@ApiTags('bid security (投标保证金)')
@Controller('guarantees')
export class GuaranteeNotificationsController {
  constructor(private readonly register: RegisterGuarantee) {}

  @Post('notifications')
  @Public()
  @UseGuards(BankSignatureGuard)
  @HttpCode(200)
  @ApiHeader({ name: 'X-Bank-Signature', required: true, description: 'hex(HMAC-SHA256(BANK_WEBHOOK_SECRET, raw body)), as for the bank’s notifications' })
  @ApiOperation({
    summary:
      '电子保函: a bank, guarantor or insurer registers (or extends) an electronic guarantee → { status: REGISTERED|EXTENDED|DUPLICATE, guaranteeId }. ' +
      'Refused, nothing stored: 409 BID_SECURITY_FORM_NOT_ACCEPTED (GPR Art. 33), 409 BID_DEADLINE_PASSED, 422 GUARANTEE_AMOUNT_INSUFFICIENT, ' +
      '422 GUARANTEE_VALIDITY_INSUFFICIENT (TBR Arts. 25, 26), 422 GUARANTEE_BIDDER_UNKNOWN, 409 GUARANTEE_CONFLICT, 401 INVALID_SIGNATURE',
  })
  notify(@Body() dto: GuaranteeNotificationDto, @Req() req: RawBodyRequest<Request>) {
    return this.register.execute({ rawBody: req.rawBody as Buffer, notification: dto, ip: req.ip ?? '' });
  }

  @Post('status')
  @Public()
  @UseGuards(BankSignatureGuard)
  @HttpCode(200)
  @ApiHeader({ name: 'X-Bank-Signature', required: true, description: 'hex(HMAC-SHA256(BANK_WEBHOOK_SECRET, raw body))' })
  @ApiOperation({
    summary:
      'The issuer reads what became of its guarantee: { guaranteeNo, status: VALID|RELEASED|CLAIMED, validUntil, settledAt, settlementReason, legalBasis } ' +
      '(RELEASED: 解除保证责任; CLAIMED: 索赔, with the article). 404 for a number it did not register',
  })
  async status(@Body() dto: GuaranteeStatusQueryDto) {
    return this.register.status(dto.issuerUscc, dto.guaranteeNo);
  }
}
