import { TenderStatus } from '../tenders/tender.enums';

/**
 * Whether bidders may decrypt at `now` (the database clock): only while the tender is OPENING and before the end
 * of the window the tender document set (EB20 Art. 30 "在招标文件确定的时间和方式内在线解密"). The end itself is
 * already closed.
 */
export function decryptionWindowOpen(tender: { status: TenderStatus; decryptionWindowEndsAt: Date | null }, now: Date): boolean {
  return tender.status === TenderStatus.OPENING && tender.decryptionWindowEndsAt !== null && now.getTime() < tender.decryptionWindowEndsAt.getTime();
}

/**
 * When the window closes. In ESCROW mode the platform decrypts with the escrow key as soon as the bids are
 * opened, so there is no window for the bidders; otherwise the tender's windowMinutes after the opening.
 */
export function decryptionWindowEnd(mode: 'BIDDER' | 'ESCROW' | 'BIDDER_WITH_ESCROW_FALLBACK', openedAt: Date, windowMinutes: number): Date {
  return mode === 'ESCROW' ? new Date(openedAt.getTime()) : new Date(openedAt.getTime() + windowMinutes * 60_000);
}
