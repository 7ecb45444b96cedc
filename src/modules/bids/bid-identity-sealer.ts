import { Injectable, Logger } from '@nestjs/common';
import { createHmac, hkdfSync } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { createEscrowUnwrapper, wrapEscrowKey } from 'src/sdk';
import { AuditService } from '../audit/audit.service';
import { IdentityKeyService } from '../custody/identity-key.service';

/** Who submitted a bid version: everything that names the bidder before the opening. */
export interface BidIdentity {
  organizationId: string;
  userId: string;
  ip: string;
  deviceId: string;
  macAddresses: string[];
  toolVersion: string | null;
  documentAuthor: string | null;
}

/** The receipt fields of a version: Ed25519 signatures and hashes over data that include the bidder's id. */
export interface ReceiptFields {
  signature: string;
  envelopeSha256: string | null;
  envelopeSignature: string | null;
}

/** What the bid and bid-version rows store for a submission (clear for tenders published before sealed identities). */
export interface StoredIdentity {
  organizationId: string | null;
  userId: string | null;
  ip: string | null;
  deviceId: string | null;
  macAddresses: string[];
  toolVersion: string | null;
  documentAuthor: string | null;
  signature: string;
  envelopeSha256: string | null;
  envelopeSignature: string | null;
  blindIndex: string | null;
  sealedIdentity: string | null;
}

export interface SealingContext {
  tenderId: string;
  identityPublicKey: Buffer;
  blindIndex: string;
}

const RECEIPT_PREFIX = 'sealed1:';
/** The audit actor of a sealed bid's events before the opening: the real one is in the sealed identity. */
export const sealedBidderActor = (actor: Actor): Actor => ({ userId: 'sealed-bidder', role: actor.role, organizationId: null, ip: '', requestId: actor.requestId });

/**
 * Sealed identities (issue 17): until the opening, a bid row names no bidder.
 * - `bidder_blind_index` = HMAC-SHA256(K_index, tenderId|organisationId) keeps one bid per bidder and tender and
 *   finds "my bid"; K_index is derived from SEALING_MASTER_KEY (the platform must find a bidder's bid before the
 *   deadline), so it protects against a database dump, not against whoever holds the process environment too.
 * - `sealed_identity`: organisation, user, IP, device, MACs, tool, author — AES-256-GCM under a fresh key wrapped to
 *   the tender's identity public key, whose private key only k escrow custodians can rebuild, from the deadline on.
 * - the receipt signature and envelope (signed over the bidder's id, so testable against every organisation) are
 *   kept encrypted under a key derived from SEALING_MASTER_KEY until the opening.
 * At the opening (`unsealTender`) the columns are filled in clear again (the law allows it from then on).
 */
@Injectable()
export class BidIdentitySealer {
  private readonly logger = new Logger(BidIdentitySealer.name);

  constructor(
    private readonly config: AppConfig,
    private readonly crypto: CryptoService,
    private readonly identityKeys: IdentityKeyService,
    private readonly audit: AuditService,
  ) {}

  private derived(info: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.config.sealingMasterKey, Buffer.alloc(0), info, 32));
  }

  blindIndex(tenderId: string, organizationId: string): string {
    return createHmac('sha256', this.derived('bid-bidder-blind-index-v1')).update(`${tenderId}|${organizationId}`, 'utf8').digest('hex');
  }

  /** The sealing context of a tender, or null when it was published before sealed identities (bids stay in clear). */
  async context(m: EntityManager, tenderId: string, organizationId: string): Promise<SealingContext | null> {
    const pub = await this.identityKeys.publicKey(m, tenderId);
    if (!pub) return null;
    return { tenderId, identityPublicKey: Buffer.from(pub, 'base64'), blindIndex: this.blindIndex(tenderId, organizationId) };
  }

  /** A receipt field as stored → in clear (fields stored in clear pass through). */
  receiptField(value: string, bidId: string): string;
  receiptField(value: string | null, bidId: string): string | null;
  receiptField(value: string | null, bidId: string): string | null {
    if (value === null || !value.startsWith(RECEIPT_PREFIX)) return value;
    return this.crypto.unseal(this.derived('bid-receipt-seal-v1'), value.slice(RECEIPT_PREFIX.length), `bid-receipt|${bidId}`).toString('utf8');
  }

  private sealReceiptField(value: string | null, bidId: string): string | null {
    if (value === null) return null;
    return RECEIPT_PREFIX + this.crypto.seal(this.derived('bid-receipt-seal-v1'), Buffer.from(value, 'utf8'), `bid-receipt|${bidId}`);
  }

  /** What to store for one submitted version. */
  toStore(ctx: SealingContext | null, bidId: string, version: number, id: BidIdentity, receipt: ReceiptFields): StoredIdentity {
    if (!ctx) {
      return {
        ...receipt, organizationId: id.organizationId, userId: id.userId, ip: id.ip, deviceId: id.deviceId, macAddresses: id.macAddresses,
        toolVersion: id.toolVersion, documentAuthor: id.documentAuthor, blindIndex: null, sealedIdentity: null,
      };
    }
    const dataKey = this.crypto.randomBytes(32);
    try {
      const k = wrapEscrowKey({ key: dataKey, escrowPublicKey: ctx.identityPublicKey });
      const c = this.crypto.seal(dataKey, Buffer.from(JSON.stringify(id), 'utf8'), identityAad(ctx.tenderId, bidId, version));
      return {
        organizationId: null, userId: null, ip: null, deviceId: null, macAddresses: [], toolVersion: null, documentAuthor: null,
        signature: this.sealReceiptField(receipt.signature, bidId)!,
        envelopeSha256: this.sealReceiptField(receipt.envelopeSha256, bidId),
        envelopeSignature: this.sealReceiptField(receipt.envelopeSignature, bidId),
        blindIndex: ctx.blindIndex,
        sealedIdentity: JSON.stringify({ v: 1, k, c }),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * The blind indexes under which an organisation's still-sealed bids are filed, for "my bids": one per tender that
   * has sealed bids (tenders before their deadline).
   */
  async myIndexes(m: EntityManager, organizationId: string): Promise<string[]> {
    const rows: Array<{ tender_id: string }> = await m.query(`SELECT DISTINCT tender_id FROM bids WHERE bidder_organization_id IS NULL`);
    return rows.map((r) => this.blindIndex(r.tender_id, organizationId));
  }

  /**
   * 开标: the identities of every bid (and version) of the tender are unsealed and stored in clear, with the
   * identity key rebuilt from k custodians' shares (audited). Called at the bid deadline, before the bids are counted.
   */
  async unsealTender(m: EntityManager, tenderId: string, actor: Actor = SYSTEM_ACTOR): Promise<number> {
    const versions: Array<{ bid_id: string; version: number; sealed_identity: string; signature: string; envelope_sha256: string | null; envelope_signature: string | null }> =
      await m.query(
        `SELECT bid_id, version, sealed_identity, signature, envelope_sha256, envelope_signature FROM bid_versions
         WHERE tender_id = $1 AND bidder_organization_id IS NULL AND sealed_identity IS NOT NULL`,
        [tenderId],
      );
    const bids: Array<{ id: string; version: number; sealed_identity: string; signature: string; envelope_sha256: string | null; envelope_signature: string | null }> =
      await m.query(
        `SELECT id, version, sealed_identity, signature, envelope_sha256, envelope_signature FROM bids
         WHERE tender_id = $1 AND bidder_organization_id IS NULL AND sealed_identity IS NOT NULL FOR UPDATE`,
        [tenderId],
      );
    if (!versions.length && !bids.length) return 0;
    const submitters: Array<{ bidId: string; version: number; organizationId: string; userId: string; ip: string }> = [];
    const key = await this.identityKeys.privateKey(m, tenderId, actor);
    try {
      const unwrap = createEscrowUnwrapper({ escrowPrivateKey: key.privateKey, escrowPublicKey: key.publicKey });
      const open = (sealed: string, bidId: string, version: number): BidIdentity => {
        const { k, c } = JSON.parse(sealed) as { k: string; c: string };
        const dataKey = unwrap(k);
        try {
          return JSON.parse(this.crypto.unseal(dataKey, c, identityAad(tenderId, bidId, version)).toString('utf8'));
        } finally {
          dataKey.fill(0);
        }
      };
      const SET = `bidder_organization_id = $3, submitted_by = $4, ip = $5, device_id = $6, mac_addresses = $7, tool_version = $8,
                   document_author = $9, signature = $10, envelope_sha256 = $11, envelope_signature = $12`;
      for (const v of versions) {
        const id = open(v.sealed_identity, v.bid_id, v.version);
        submitters.push({ bidId: v.bid_id, version: v.version, organizationId: id.organizationId, userId: id.userId, ip: id.ip });
        await m.query(`UPDATE bid_versions SET ${SET} WHERE bid_id = $1 AND version = $2`, [
          v.bid_id, v.version, id.organizationId, id.userId, id.ip, id.deviceId, id.macAddresses, id.toolVersion, id.documentAuthor,
          this.receiptField(v.signature, v.bid_id), this.receiptField(v.envelope_sha256, v.bid_id), this.receiptField(v.envelope_signature, v.bid_id),
        ]);
      }
      for (const b of bids) {
        const id = open(b.sealed_identity, b.id, b.version);
        await m.query(`UPDATE bids SET ${SET} WHERE id = $1 AND version = $2`, [
          b.id, b.version, id.organizationId, id.userId, id.ip, id.deviceId, id.macAddresses, id.toolVersion, id.documentAuthor,
          this.receiptField(b.signature, b.id), this.receiptField(b.envelope_sha256, b.id), this.receiptField(b.envelope_signature, b.id),
        ]);
      }
    } finally {
      key.privateKey.fill(0);
    }
    await this.audit.append(m, {
      actor,
      action: 'BID_IDENTITIES_UNSEALED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      // The sealed bid events (BID_SUBMITTED…) carry the actor "sealed-bidder": this event names, from the opening on,
      // who submitted each version and from where.
      data: { bids: bids.length, versions: versions.length, submitters: submitters.sort((a, b) => (a.bidId === b.bidId ? a.version - b.version : a.bidId < b.bidId ? -1 : 1)) },
    });
    this.logger.log(`tender ${tenderId}: identities of ${bids.length} bid(s) unsealed at the opening`);
    return bids.length;
  }
}

const identityAad = (tenderId: string, bidId: string, version: number) => `bid-identity|${tenderId}|${bidId}|${version}`;
