import { CanActivate, ExecutionContext, Injectable, RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { InvalidSignatureException } from './bid-security.exception';

export const BANK_SIGNATURE_HEADER = 'x-bank-signature';

/**
 * Checks `X-Bank-Signature: hex(HMAC-SHA256(BANK_WEBHOOK_SECRET, raw body))` in constant time before the body is
 * validated or anything is stored (guards run before pipes and the handler). A missing header, a missing raw body,
 * or a wrong signature are all 401 INVALID_SIGNATURE.
 */
@Injectable()
export class BankSignatureGuard implements CanActivate {
  constructor(
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<RawBodyRequest<Request>>();
    const signature = req.headers[BANK_SIGNATURE_HEADER];
    const raw = req.rawBody;
    if (typeof signature !== 'string' || !Buffer.isBuffer(raw)) throw new InvalidSignatureException();
    const expected = this.crypto.hmacSha256Hex(this.config.bankWebhookSecret, raw);
    if (!this.crypto.equalHex(signature, expected)) throw new InvalidSignatureException();
    return true;
  }
}
