import { TenderException } from '../tender.exception';

/** A pledge or an approval document: at most 15 MB decoded, like the tender documents (MAX_DOCUMENT_BYTES). */
export const MAX_PRE_TENDER_DOCUMENT_BYTES = 15 * 1024 * 1024;

export function decodePreTenderDocument(b64: string, field: string): Buffer {
  const content = Buffer.from(b64, 'base64');
  if (content.length === 0) throw TenderException.invalid([{ field, errors: ['the file is empty'] }]);
  if (content.length > MAX_PRE_TENDER_DOCUMENT_BYTES) throw TenderException.invalid([{ field, errors: [`the file is larger than ${MAX_PRE_TENDER_DOCUMENT_BYTES} bytes`] }]);
  return content;
}
