import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { compareMoney } from 'src/common/money/money';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService, auditStream } from '../../audit/audit.service';
import { LegalCalendar } from '../../tenders/legal-calendar/legal-calendar';
import {
  BidDeadlinePassedException,
  FormNotAcceptedException,
  GuaranteeConflictException,
  GuaranteeRejectedException,
  TenderNotOpenForBidsException,
} from '../bid-security.exception';
import { BidSecurityStore, TenderSnapshot } from '../bid-security.store';
import { GuaranteeNotificationDto } from './guarantee-notification.dto';
import { GuaranteeRow, GuaranteeStore } from './guarantee.store';
import { BidGuaranteesRepository } from './bid-guarantees.repository';
import { UseCase } from 'src/common/use-case';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';

export type GuaranteeOutcome = 'REGISTERED' | 'EXTENDED' | 'DUPLICATE';

const issuerActor = (ip: string): Actor => ({ userId: 'guarantee-issuer', role: 'SYSTEM' as Role, organizationId: null, ip });

/** The issuer's body as audited: its SHA-256, or while the bidder is sealed its keyed digest (the body names the bidder). */
const bodyDigestField = (sealed: boolean, digest: string) => (sealed ? { bodyHmacSha256: digest } : { bodySha256: digest });

/** The audit stream of one guarantee, sealed until its tender is opened (who lodged security is secret, CQ Arts. 16, 42(7)). */
export const guaranteeAuditScope = (tenderId: string, guaranteeId: string) => ({
  stream: auditStream('bid-guarantee', guaranteeId),
  sealedUntilOpeningOf: tenderId,
});

export interface RegisterGuaranteeCommand {
  rawBody: Buffer;
  notification: GuaranteeNotificationDto;
  ip: string;
}

/**
 * Registers an electronic guarantee (电子保函) notified by its issuer, whose signature the guard has checked.
 * - New: the tender must accept E_GUARANTEE (GPR Art. 33: the tender states the forms) and still be open for bids;
 *   the amount must be at least the required security; the guarantee must be in force on the deadline's day and
 *   through the last day of the bid validity period (TBR Art. 26: "投标保证金有效期应当与投标有效期一致").
 *   Anything else: a 4xx naming the rule, nothing stored.
 * - The same issuer and number again: the same body → DUPLICATE (nothing changes); the same terms with a later
 *   validUntil → EXTENDED (the issuer extends it, e.g. for a bid validity extension, TBR Art. 25); other terms → 409.
 * - Sealed like cash: the audit event goes to the guarantee's own stream, sealed until opening, naming no bidder.
 */
@Injectable()
export class RegisterGuarantee implements UseCase<RegisterGuaranteeCommand, { status: GuaranteeOutcome; guaranteeId: string }> {
  private readonly logger = new Logger(RegisterGuarantee.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly store: BidSecurityStore,
    private readonly guarantees: GuaranteeStore,
    private readonly audit: AuditService,
    private readonly crypto: CryptoService,
    private readonly organizations: OrganizationsRepository,
    private readonly repo: BidGuaranteesRepository,
  ) {}

  async execute(cmd: RegisterGuaranteeCommand): Promise<{ status: GuaranteeOutcome; guaranteeId: string }> {
    const n = cmd.notification;
    const bodySha256 = this.crypto.sha256Hex(cmd.rawBody);
    const bad: Array<{ field: string; errors: string[] }> = [];
    if (!LegalCalendar.isValidDay(n.validFrom)) bad.push({ field: 'validFrom', errors: ['validFrom is not a calendar day'] });
    if (!LegalCalendar.isValidDay(n.validUntil)) bad.push({ field: 'validUntil', errors: ['validUntil is not a calendar day'] });
    if (!bad.length && n.validUntil < n.validFrom) bad.push({ field: 'validUntil', errors: ['validUntil is before validFrom'] });
    if (bad.length) throw new ValidationFailedException(bad);
    return this.tx.run(async (m) => {
      // Same lock order as a payment: the tender (share) first, then the clock.
      if (!(await this.repo.lockPublishedTender(m, n.tenderId))) throw new NotFoundException('The tender');
      const tender = (await this.store.tender(m, n.tenderId)) as TenderSnapshot;
      const actor = issuerActor(cmd.ip);
      const existing = await this.guarantees.byNumber(m, n.issuerUscc, n.guaranteeNo, true);
      if (existing) return this.repeat(m, existing, n, bodySha256, cmd.rawBody, tender, actor);

      const bidder = await this.organizations.findByUscc(m, n.bidderUscc, 'BIDDER');
      if (!bidder) throw GuaranteeRejectedException.bidderUnknown();
      // GPR Art. 33 / the tender document: the accepted forms.
      if (!tender.bidSecurityForms.includes('E_GUARANTEE')) throw new FormNotAcceptedException('E_GUARANTEE');
      // Security is lodged before the deadline (TBL Art. 28 / TBR Art. 26): a guarantee after it secures nothing.
      if (!tender.openForBids) {
        throw tender.status === 'PUBLISHED' ? new BidDeadlinePassedException() : new TenderNotOpenForBidsException();
      }
      const lotNo = n.lotNo ?? 1;
      const required = await this.requiredAmount(m, tender, lotNo);
      if (compareMoney(n.amount, required) < 0) throw GuaranteeRejectedException.amount(n.amount, required);
      this.assertValidity(n.validFrom, n.validUntil, tender);

      // Sealed identities (issue 17): before the deadline of a tender that seals identities the row names no bidder.
      const owner = await this.guarantees.ownerColumns(m, {
        tenderId: n.tenderId,
        issuerUscc: n.issuerUscc,
        guaranteeNo: n.guaranteeNo,
        bidderOrganizationId: bidder.id,
        bodySha256,
        rawBody: cmd.rawBody,
      });
      const id = await this.repo.insert(m, {
        guaranteeNo: n.guaranteeNo,
        issuerUscc: n.issuerUscc,
        issuerType: n.issuerType,
        issuerName: n.issuerName,
        tenderId: n.tenderId,
        lotNo,
        bidderOrganizationId: owner.bidderOrganizationId,
        amount: n.amount,
        validFrom: n.validFrom,
        validUntil: n.validUntil,
        issuedAt: new Date(n.issuedAt),
        bodyDigest: owner.bodyDigest,
        receivedAt: tender.now,
        bidderBlindIndex: owner.bidderBlindIndex,
        ownerSealed: owner.ownerSealed,
      });
      if (!id) {
        // A concurrent copy of the same notification won the unique index.
        const raced = (await this.guarantees.byNumber(m, n.issuerUscc, n.guaranteeNo, true)) as GuaranteeRow;
        return this.repeat(m, raced, n, bodySha256, cmd.rawBody, tender, actor);
      }
      await this.audit.append(m, {
        actor,
        action: 'BID_GUARANTEE_REGISTERED',
        objectType: 'bid_guarantee',
        objectId: id,
        ...guaranteeAuditScope(tender.id, id),
        // The actor is the issuer, never the bidder; while sealed the body (which names the bidder) is audited by its keyed digest.
        data: { guaranteeNo: n.guaranteeNo, issuerUscc: n.issuerUscc, issuerType: n.issuerType, ...bodyDigestField(owner.ownerSealed !== null, owner.bodyDigest) },
      });
      return { status: 'REGISTERED' as const, guaranteeId: id };
    });
  }

  /** What became of a guarantee, for its issuer (who knows the number; it names no bidder but the one it covers). */
  async status(issuerUscc: string, guaranteeNo: string) {
    const g = await this.guarantees.byNumber(this.tx.manager, issuerUscc, guaranteeNo);
    if (!g) throw new NotFoundException('The guarantee');
    return {
      guaranteeNo: g.guaranteeNo,
      tenderId: g.tenderId,
      lotNo: g.lotNo,
      status: g.status,
      amount: g.amount,
      validFrom: g.validFrom,
      validUntil: g.validUntil,
      settledAt: g.settledAt?.toISOString() ?? null,
      settlementReason: g.settlementReason,
      legalBasis: g.legalBasis,
    };
  }

  /** The bid security one lot requires: the lot's own amount when lots set one, else the tender's. */
  private async requiredAmount(m: EntityManager, tender: TenderSnapshot, lotNo: number): Promise<string> {
    const lot = await this.store.forLot(m, tender, lotNo);
    if (!lot) throw new ValidationFailedException([{ field: 'lotNo', errors: [`the tender has no lot ${lotNo}`] }]);
    return lot.bidSecurityAmount;
  }

  /**
   * In force on the deadline's day, and through the last day of the bid validity period (TBR Art. 26 ¶1: the
   * security's validity equals the bid validity; TBR Art. 25 counts it from the deadline).
   */
  private assertValidity(validFrom: string, validUntil: string, tender: TenderSnapshot): void {
    const deadlineDay = LegalCalendar.dayOf(tender.bidDeadline);
    if (validFrom > deadlineDay) {
      throw GuaranteeRejectedException.validity(`The guarantee takes effect on ${validFrom}, after the bid deadline's day ${deadlineDay} (TBR Art. 26)`);
    }
    if (validUntil < tender.bidValidityEndsOn) {
      throw GuaranteeRejectedException.validity(`The guarantee ends on ${validUntil}, before the bid validity period ends on ${tender.bidValidityEndsOn} (TBR Arts. 25, 26)`);
    }
  }

  private async repeat(
    m: EntityManager,
    g: GuaranteeRow,
    n: GuaranteeNotificationDto,
    bodySha256: string,
    rawBody: Buffer,
    tender: TenderSnapshot,
    actor: Actor,
  ): Promise<{ status: GuaranteeOutcome; guaranteeId: string }> {
    if (this.guarantees.sameBody(g, bodySha256, rawBody)) return { status: 'DUPLICATE', guaranteeId: g.id };
    const bidder = await this.organizations.findByUscc(m, n.bidderUscc);
    const sameTerms =
      g.tenderId === n.tenderId &&
      g.lotNo === (n.lotNo ?? 1) &&
      !!bidder &&
      (await this.guarantees.isBidder(g, bidder.id)) &&
      compareMoney(g.amount, n.amount) === 0 &&
      g.validFrom === n.validFrom &&
      g.issuerType === n.issuerType;
    if (!sameTerms) {
      this.logger.warn({ msg: 'guarantee notification repeats a number with other terms; refused', guaranteeNo: n.guaranteeNo });
      throw new GuaranteeConflictException('This guarantee number is registered with other terms; only its validUntil may be extended');
    }
    if (n.validUntil === g.validUntil) return { status: 'DUPLICATE', guaranteeId: g.id };
    if (n.validUntil < g.validUntil) throw new GuaranteeConflictException('A guarantee’s validity may be extended, never shortened');
    if (g.status !== 'VALID') throw new GuaranteeConflictException(`The guarantee is ${g.status}: it can no longer be extended`);
    const body = await this.guarantees.rebody(m, g, bodySha256, rawBody, bidder.id);
    await this.repo.extend(m, g.id, { validUntil: n.validUntil, bodyDigest: body.bodyDigest, ownerSealed: body.ownerSealed });
    await this.audit.append(m, {
      actor,
      action: 'BID_GUARANTEE_EXTENDED',
      objectType: 'bid_guarantee',
      objectId: g.id,
      ...guaranteeAuditScope(tender.id, g.id),
      data: { guaranteeNo: g.guaranteeNo, previousValidUntil: g.validUntil, validUntil: n.validUntil, ...bodyDigestField(g.sealed, body.bodyDigest) },
    });
    return { status: 'EXTENDED', guaranteeId: g.id };
  }
}
