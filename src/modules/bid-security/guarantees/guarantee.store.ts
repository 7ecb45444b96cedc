import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { normalizeMoney } from 'src/common/money/money';
import { IdentityKeyService } from '../../custody/identity-key.service';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { sealedToIdentityKey } from '../bid-security.store';
import { BidGuaranteesRepository, GuaranteeDbRow } from './bid-guarantees.repository';

export type GuaranteeStatus = 'VALID' | 'RELEASED' | 'CLAIMED';

/** One 电子保函 as stored (bid_guarantees). Days are 'YYYY-MM-DD' in China Standard Time. */
export interface GuaranteeRow {
  id: string;
  guaranteeNo: string;
  issuerUscc: string;
  issuerType: string;
  issuerName: string;
  tenderId: string;
  lotNo: number;
  /** Null before the deadline of a tender that seals identities (sealed to its identity key, issue 17). */
  bidderOrganizationId: string | null;
  bidderBlindIndex: string | null;
  amount: string;
  validFrom: string;
  validUntil: string;
  issuedAt: Date;
  bodySha256: string;
  status: GuaranteeStatus;
  receivedAt: Date;
  extendedAt: Date | null;
  settledAt: Date | null;
  settlementReason: string | null;
  legalBasis: string | null;
  /** Read from a row whose bidder is still sealed (before the deadline of a tender that seals identities). */
  sealed: boolean;
}

export interface GuaranteeView {
  guaranteeNo: string;
  issuerType: string;
  issuerName: string;
  issuerUscc: string;
  lotNo: number;
  amount: string;
  validFrom: string;
  validUntil: string;
  issuedAt: string;
  receivedAt: string;
  status: GuaranteeStatus;
  settledAt: string | null;
  settlementReason: string | null;
  legalBasis: string | null;
}

/** The platform-tier purpose of rows sealed before, and the AAD, of a guarantee's bidder (issue 17, sealed identities). */
export const GUARANTEE_OWNER_SEALED = 'bid-guarantee-owner';
export const guaranteeOwnerAad = (tenderId: string, issuerUscc: string, guaranteeNo: string) => `bid-guarantee-owner|${tenderId}|${issuerUscc}|${guaranteeNo}`;
/** What `owner_sealed` holds: the bidder, and the plain SHA-256 of the issuer's body (which names the bidder). */
export interface SealedGuaranteeOwner {
  organizationId: string;
  bodySha256: string;
}

/** The columns that name (or seal) the bidder of a guarantee, as stored. */
export interface GuaranteeOwnerColumns {
  bidderOrganizationId: string | null;
  bidderBlindIndex: string | null;
  ownerSealed: string | null;
  /** What goes to body_sha256: the plain digest in clear, a keyed digest while sealed. */
  bodyDigest: string;
}

/**
 * The rows of bid_guarantees (through BidGuaranteesRepository), in the caller's transaction. Rows are returned in clear.
 * Sealed identities (issue 17): before the deadline of a tender that seals identities a guarantee names no bidder —
 * it is found by `bidder_blind_index` (keyed HMAC: the gate of the sealed bids, the bidder's own view, a release at
 * its withdrawal and the issuer's repeated notifications find it so) and kept in `owner_sealed`, sealed to the
 * tender's identity key like the cash sub-accounts' owners (nobody opens it before k custodians release the key at the
 * deadline); `body_sha256` holds a keyed digest (a plain SHA-256 of a body that names the bidder could be tested
 * against every organisation). `unsealTender` fills them in clear at the deadline. Rows sealed before in the platform
 * tier are still opened on read.
 */
@Injectable()
export class GuaranteeStore {
  constructor(
    private readonly identityKeys: IdentityKeyService,
    private readonly guarantees: BidGuaranteesRepository,
  ) {}

  blindIndex(tenderId: string, bidderOrganizationId: string): Promise<string> {
    return this.identityKeys.blindIndex('bid-guarantee', tenderId, bidderOrganizationId);
  }

  /** The keyed digest of an issuer's body, stored (and audited) instead of its SHA-256 while the bidder is sealed. */
  keyedBodyDigest(rawBody: Buffer): string {
    return this.identityKeys.platformDigest('bid-guarantee-body', rawBody);
  }

  /** What to store for the bidder of a guarantee: in clear for tenders that do not seal identities (or no longer). */
  async ownerColumns(
    m: EntityManager,
    g: { tenderId: string; issuerUscc: string; guaranteeNo: string; bidderOrganizationId: string; bodySha256: string; rawBody: Buffer },
  ): Promise<GuaranteeOwnerColumns> {
    if (!(await this.identityKeys.sealsIdentities(m, g.tenderId))) {
      return { bidderOrganizationId: g.bidderOrganizationId, bidderBlindIndex: null, ownerSealed: null, bodyDigest: g.bodySha256 };
    }
    const sealed: SealedGuaranteeOwner = { organizationId: g.bidderOrganizationId, bodySha256: g.bodySha256 };
    return {
      bidderOrganizationId: null,
      bidderBlindIndex: await this.blindIndex(g.tenderId, g.bidderOrganizationId),
      ownerSealed: await this.sealOwner(m, g, sealed),
      bodyDigest: this.keyedBodyDigest(g.rawBody),
    };
  }

  private async sealOwner(m: EntityManager, g: { tenderId: string; issuerUscc: string; guaranteeNo: string }, owner: SealedGuaranteeOwner): Promise<string> {
    const pub = await this.identityKeys.publicKey(m, g.tenderId);
    return this.identityKeys.sealTo(Buffer.from(pub!, 'base64'), owner, guaranteeOwnerAad(g.tenderId, g.issuerUscc, g.guaranteeNo));
  }

  /** Whether `organizationId` is the bidder of `g` (by the blind index while sealed). */
  async isBidder(g: GuaranteeRow, organizationId: string): Promise<boolean> {
    return g.bidderOrganizationId ? g.bidderOrganizationId === organizationId : g.bidderBlindIndex === (await this.blindIndex(g.tenderId, organizationId));
  }

  /** Whether `rawBody` is the body on record: while sealed to the identity key only the keyed digest is readable. */
  sameBody(g: GuaranteeRow, bodySha256: string, rawBody: Buffer): boolean {
    return g.bodySha256 === bodySha256 || (g.sealed && g.bodySha256 === this.keyedBodyDigest(rawBody));
  }

  /** A stored row in clear: the bidder and the body's SHA-256 unsealed when the row is still sealed. */
  row(r: GuaranteeDbRow): GuaranteeRow {
    const g = toGuarantee(r);
    if (!g.bidderOrganizationId && r.owner_sealed && sealedToIdentityKey(r.owner_sealed)) {
      g.sealed = true; // bidder NULL, body_sha256 the keyed digest, until the deadline
    } else if (!g.bidderOrganizationId && r.owner_sealed) {
      const s = this.identityKeys.platformOpen<SealedGuaranteeOwner>(GUARANTEE_OWNER_SEALED, r.owner_sealed, guaranteeOwnerAad(g.tenderId, g.issuerUscc, g.guaranteeNo));
      g.bidderOrganizationId = s.organizationId;
      g.bodySha256 = s.bodySha256;
      g.sealed = true;
    }
    return g;
  }

  /**
   * A later body of a guarantee (an extension): the digest to store, and the owner resealed with it when sealed.
   * `bidderOrganizationId`: the bidder the issuer names, already checked against the row (`isBidder`).
   */
  async rebody(m: EntityManager, g: GuaranteeRow, bodySha256: string, rawBody: Buffer, bidderOrganizationId: string): Promise<{ bodyDigest: string; ownerSealed: string | null }> {
    if (!g.sealed) return { bodyDigest: bodySha256, ownerSealed: null };
    return { bodyDigest: this.keyedBodyDigest(rawBody), ownerSealed: await this.sealOwner(m, g, { organizationId: bidderOrganizationId, bodySha256 }) };
  }

  /** At the deadline: the bidder (and the body's SHA-256) of every sealed guarantee of the tender filled in clear. */
  async unsealTender(m: EntityManager, tenderId: string): Promise<number> {
    const rows = await this.guarantees.sealedOfTender(m, tenderId);
    const fill = async (open: <T>(sealed: string, aad: string) => T) => {
      for (const r of rows) {
        const g = this.row(r);
        const owner = g.bidderOrganizationId
          ? { organizationId: g.bidderOrganizationId, bodySha256: g.bodySha256 }
          : open<SealedGuaranteeOwner>(r.owner_sealed!, guaranteeOwnerAad(g.tenderId, g.issuerUscc, g.guaranteeNo));
        await this.guarantees.setBidder(m, g.id, owner.organizationId, owner.bodySha256);
      }
    };
    if (rows.some((r) => sealedToIdentityKey(r.owner_sealed!))) await this.identityKeys.withOpener(m, tenderId, SYSTEM_ACTOR, fill);
    else
      await fill(() => {
        throw new Error('nothing is sealed to the identity key');
      });
    return rows.length;
  }

  async byNumber(m: EntityManager, issuerUscc: string, guaranteeNo: string, lock = false): Promise<GuaranteeRow | null> {
    const r = await this.guarantees.byNumber(m, issuerUscc, guaranteeNo, lock);
    return r ? this.row(r) : null;
  }

  async ofBidder(m: EntityManager, tenderId: string, bidderOrganizationId: string, lotNo?: number): Promise<GuaranteeRow[]> {
    const rows = await this.guarantees.ofBidder(m, { tenderId, bidderOrganizationId, bidderBlindIndex: await this.blindIndex(tenderId, bidderOrganizationId), lotNo });
    return rows.map((r) => this.row(r));
  }

  async ofTender(m: EntityManager, tenderId: string): Promise<GuaranteeRow[]> {
    return (await this.guarantees.ofTender(m, tenderId)).map((r) => this.row(r));
  }

  /**
   * The valid guarantees that secure the bid: at least `amount`, in force on the deadline's day and through the last
   * day of the bid validity period (TBR Art. 26: the security's validity equals the bid validity).
   */
  async covering(m: EntityManager, q: { tenderId: string; bidderOrganizationId: string; lotNo: number; amount: string; from: string; through: string }): Promise<GuaranteeRow[]> {
    const rows = await this.guarantees.covering(m, { ...q, bidderBlindIndex: await this.blindIndex(q.tenderId, q.bidderOrganizationId) });
    return rows.map((r) => this.row(r));
  }
}

export function toGuarantee(r: GuaranteeDbRow): GuaranteeRow {
  return {
    id: r.id,
    guaranteeNo: r.guarantee_no,
    issuerUscc: r.issuer_uscc,
    issuerType: r.issuer_type,
    issuerName: r.issuer_name,
    tenderId: r.tender_id,
    lotNo: Number(r.lot_no),
    bidderOrganizationId: r.bidder_organization_id ?? null,
    bidderBlindIndex: r.bidder_blind_index ?? null,
    amount: normalizeMoney(String(r.amount)),
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    issuedAt: new Date(r.issued_at),
    bodySha256: r.body_sha256,
    status: r.status as GuaranteeStatus,
    receivedAt: new Date(r.received_at),
    extendedAt: r.extended_at ? new Date(r.extended_at) : null,
    settledAt: r.settled_at ? new Date(r.settled_at) : null,
    settlementReason: r.settlement_reason ?? null,
    legalBasis: r.legal_basis ?? null,
    sealed: false,
  };
}

export function toGuaranteeView(g: GuaranteeRow): GuaranteeView {
  return {
    guaranteeNo: g.guaranteeNo,
    issuerType: g.issuerType,
    issuerName: g.issuerName,
    issuerUscc: g.issuerUscc,
    lotNo: g.lotNo,
    amount: g.amount,
    validFrom: g.validFrom,
    validUntil: g.validUntil,
    issuedAt: g.issuedAt.toISOString(),
    receivedAt: g.receivedAt.toISOString(),
    status: g.status,
    settledAt: g.settledAt?.toISOString() ?? null,
    settlementReason: g.settlementReason,
    legalBasis: g.legalBasis,
  };
}
