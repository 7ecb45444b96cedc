import type { OpeningRecordObjection } from './opening-objections.service';
import { BidStatus, type DecryptedBy } from '../bids/bid.enums';

/** 开标记录 (EB20 Art. 32; TBL Art. 36): what the platform records and publishes when the opening is over. */
export interface OpeningRecord {
  format: 'opening-record-v1';
  tenderId: string;
  title: string;
  regime: string;
  method: string;
  procuringEntity: { organizationId: string; name: string };
  priceCeiling: string | null;
  bidDeadline: string;
  openedAt: string;
  decryptionMode: string;
  decryptionWindowEndsAt: string;
  windowClosedAt: string;
  bids: OpeningRecordBid[];
  summary: { received: number; decrypted: number; revoked: number; withdrawn: number };
  /** 开标异议 and their answers, recorded (TBR Art. 44 ¶3); absent in records made before they were kept. */
  objections?: OpeningRecordObjection[];
}

export interface OpeningRecordBid {
  /** Order of receipt, from 1. */
  seq: number;
  bidId: string;
  bidderOrganizationId: string;
  bidderName: string;
  bidderUscc: string;
  /** 标段: on a tender with lots only. */
  lotNo?: number;
  version: number;
  receivedAt: string;
  ciphertextSha256: string;
  status: BidStatus;
  price: string | null;
  durationDays: number | null;
  decryptedBy: DecryptedBy | null;
  statusReason: string | null;
  attachments: Array<{ name: string; sha256: string; size: number }>;
}

/**
 * What the public sees of the record (EB20 Art. 32: published "except legally confidential parts"): everything read
 * out at the opening, without the list of each bid's attachments (names and hashes of the bid's documents, which the
 * evaluation keeps confidential: TBL Art. 44).
 */
export function publicOpeningRecord(r: OpeningRecord): OpeningRecord {
  return { ...r, bids: r.bids.map(({ attachments: _omitted, ...b }) => ({ ...b, attachments: [] })) };
}

/** "12345678.90" → "12,345,678.90" (string arithmetic only; money never becomes a float). */
export function groupDigits(amount: string): string {
  const [i, f] = amount.split('.');
  return `${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${f !== undefined ? `.${f}` : ''}`;
}

export const STATUS_LABEL: Record<string, string> = {
  [BidStatus.DECRYPTED]: '已解密',
  [BidStatus.REVOKED]: '撤销（投标人原因未解密）',
  [BidStatus.WITHDRAWN]: '撤回（非投标人原因未解密）',
  [BidStatus.OPENED]: '未解密',
  [BidStatus.LAPSED]: '投标失效（拒绝延长投标有效期）',
};

export const MODE_LABEL: Record<string, string> = {
  BIDDER: '投标人在线解密',
  ESCROW: '平台托管密钥解密',
  BIDDER_WITH_ESCROW_FALLBACK: '投标人在线解密（托管密钥兜底）',
};
