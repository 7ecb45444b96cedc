import { type BidPlaintext, type SealBidInput, sealBid, type SealedBid } from 'src/sdk';
import { type TestApp } from '../helpers/test-app';
import { type TestParty } from './identity.factory';
import { type TestTender } from './tender.factory';

export interface SubmittedBid {
  sealed: SealedBid;
  status: number;
  body: Record<string, any>;
  plaintext: BidPlaintext;
}

/** A format-v1 plaintext; `extraBytes` adds an attachment to reach a given size. */
export function plaintextOf(price: string, o: { durationDays?: number; extraBytes?: number; attachmentName?: string } = {}): BidPlaintext {
  return {
    price,
    currency: 'CNY',
    ...(o.durationDays !== undefined ? { durationDays: o.durationDays } : {}),
    ...(o.extraBytes ? { attachments: [{ name: o.attachmentName ?? '技术标.pdf', contentBase64: Buffer.alloc(o.extraBytes, 7).toString('base64') }] } : {}),
  };
}

/** Seals on the "bidder's machine" with the SDK and submits over HTTP. */
export async function sealAndSubmit(
  t: TestApp,
  tender: Pick<TestTender, 'id' | 'escrowPublicKey'>,
  bidder: TestParty,
  plaintext: BidPlaintext | string,
  o: { escrow?: boolean; client?: SealBidInput['client']; mutate?: (req: Record<string, unknown>) => void } = {},
): Promise<SubmittedBid> {
  const pt = typeof plaintext === 'string' ? plaintextOf(plaintext) : plaintext;
  const sealed = sealBid({
    tenderId: tender.id,
    bidderOrganizationId: bidder.organizationId!,
    plaintext: pt,
    ...(o.escrow === false || !tender.escrowPublicKey ? {} : { escrowPublicKey: tender.escrowPublicKey }),
    client: { deviceId: `device-${bidder.username}`, macAddresses: ['02:00:00:00:00:01'], documentAuthor: '王工', ...(o.client ?? {}) },
  });
  const req = { ...sealed.request } as Record<string, unknown>;
  o.mutate?.(req);
  const res = await t.http().post(`/api/v1/tenders/${tender.id}/bids`).set(bidder.auth).send(req);
  return { sealed, status: res.status, body: res.body, plaintext: pt };
}
