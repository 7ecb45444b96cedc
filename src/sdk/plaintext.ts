import { serializePlaintextJson, type BidPlaintext } from './core/format';

export type { BidAttachment, BidPlaintext, PlaintextValidation } from './core/format';
export { isValidPrice, validatePlaintext } from './core/format';

/** The UTF-8 JSON that gets encrypted, fields in a fixed order (price, currency, durationDays, attachments). */
export function serializePlaintext(p: BidPlaintext): Buffer {
  return Buffer.from(serializePlaintextJson(p), 'utf8');
}
