import { MAX_ATTACHMENTS, MAX_ATTACHMENT_NAME_LENGTH, MAX_DURATION_DAYS, PRICE_PATTERN } from './constants';
import { isBase64 } from './encoding';

export interface BidAttachment {
  name: string;
  /** Standard base64 of the file's bytes. */
  contentBase64: string;
}

/** The sealed content (format v1 step 1). */
export interface BidPlaintext {
  /** CNY, decimal string with at most 2 decimals ("12345678.90"); never a float. */
  price: string;
  currency: 'CNY';
  durationDays?: number;
  attachments?: BidAttachment[];
}

export type PlaintextValidation = { ok: true; value: BidPlaintext } | { ok: false; problems: string[] };

export function isValidPrice(price: unknown): price is string {
  return typeof price === 'string' && PRICE_PATTERN.test(price);
}

/**
 * Checks a plaintext object against format v1 and returns its normalised form: the known fields only (unknown
 * fields are tolerated and dropped, `null` optional fields count as absent).
 */
export function validatePlaintext(input: unknown): PlaintextValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: ['the plaintext must be a JSON object'] };
  }
  const o = input as Record<string, unknown>;
  const problems: string[] = [];
  if (!isValidPrice(o.price)) {
    problems.push('price must be a decimal string with at most 2 decimals and 16 integer digits, e.g. "12345678.90"');
  }
  if (o.currency !== 'CNY') problems.push('currency must be "CNY"');
  const value: BidPlaintext = { price: o.price as string, currency: 'CNY' };

  if (o.durationDays !== undefined && o.durationDays !== null) {
    const d = o.durationDays;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_DURATION_DAYS) {
      problems.push(`durationDays must be an integer from 1 to ${MAX_DURATION_DAYS}`);
    } else value.durationDays = d;
  }

  if (o.attachments !== undefined && o.attachments !== null) {
    const list = o.attachments;
    if (!Array.isArray(list)) problems.push('attachments must be an array');
    else if (list.length > MAX_ATTACHMENTS) problems.push(`at most ${MAX_ATTACHMENTS} attachments`);
    else {
      value.attachments = list.map((a: unknown, i) => {
        const att = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
        const name = att.name;
        if (typeof name !== 'string' || name.length === 0 || [...name].length > MAX_ATTACHMENT_NAME_LENGTH) {
          problems.push(`attachments[${i}].name must be a string of 1 to ${MAX_ATTACHMENT_NAME_LENGTH} characters`);
        }
        if (!isBase64(att.contentBase64)) problems.push(`attachments[${i}].contentBase64 must be standard base64`);
        return { name: name as string, contentBase64: att.contentBase64 as string };
      });
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, value };
}

/** The UTF-8 JSON that gets encrypted, fields in a fixed order (price, currency, durationDays, attachments). */
export function serializePlaintext(p: BidPlaintext): Buffer {
  const ordered: BidPlaintext = { price: p.price, currency: p.currency };
  if (p.durationDays !== undefined) ordered.durationDays = p.durationDays;
  if (p.attachments !== undefined) {
    ordered.attachments = p.attachments.map((a) => ({ name: a.name, contentBase64: a.contentBase64 }));
  }
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}
