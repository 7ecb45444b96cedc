import { decodeBase64Strict, sha256Hex } from './encoding';
import { type BidPlaintext } from './plaintext';

export interface AttachmentDigest {
  name: string;
  /** hex SHA-256 of the decoded attachment bytes. */
  sha256: string;
  /** Decoded size in bytes. */
  size: number;
}

/** SHA-256 of each attachment's bytes, in order (for the opening record and the bidder's own check). */
export function attachmentDigests(plaintext: Pick<BidPlaintext, 'attachments'>): AttachmentDigest[] {
  return (plaintext.attachments ?? []).map((a) => {
    const bytes = decodeBase64Strict(a.contentBase64) ?? Buffer.from(a.contentBase64, 'base64');
    return { name: a.name, sha256: sha256Hex(bytes), size: bytes.length };
  });
}
