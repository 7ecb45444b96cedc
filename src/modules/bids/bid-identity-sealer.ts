import { Injectable, Logger } from '@nestjs/common';
import { hkdfSync } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { AuditService } from '../audit/audit.service';
import { IdentityKeyService } from '../custody/identity-key.service';
import { BidsRepository, UnsealedIdentityRow } from './bids.repository';
import { BidUploadsRepository, UploadClient, UploadSubmitterNaming } from './uploads/bid-uploads.repository';

/** The blind-index purpose of a bid's bidder (legacy tenders: the former `bid-bidder-blind-index-v1` key). */
export const BIDDER_INDEX = 'bid-bidder';

/** Who submitted a bid version: everything that names the bidder before the opening. */
export interface BidIdentity {
  organizationId: string;
  userId: string;
  ip: string;
  deviceId: string;
  macAddresses: string[];
  toolVersion: string | null;
  documentAuthor: string | null;
  /**
   * A format v2 version: the upload's submitter (user, IP, client) as its creation sealed it to the identity key,
   * copied unopened (the finalisation cannot open it); the opening opens it and its values replace the fields above.
   */
  upload?: { id: string; sealed: string };
}

/** Who started a v2 upload: its user, IP and client (device, MACs, tool, author). */
export interface UploadSubmitter {
  userId: string;
  ip: string;
  client: UploadClient;
}

/** The AAD of a v2 upload's sealed submitter (`bid_uploads.sealed_client`), for either tier. */
export const uploadSubmitterAad = (tenderId: string, uploadId: string) => `bid-upload-submitter|${tenderId}|${uploadId}`;

/** `bid_uploads.sealed_client` sealed to the tender's identity key; without it, a row of the platform tier (before this). */
const IDENTITY_TIER = 'identity:';

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
    private readonly bids: BidsRepository,
    private readonly uploads: BidUploadsRepository,
  ) {}

  /** The few keys derived from SEALING_MASTER_KEY, derived once (HKDF is deterministic; the master key is in memory anyway). */
  private readonly derivedKeys = new Map<string, Buffer>();

  private derived(info: string): Buffer {
    let key = this.derivedKeys.get(info);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.config.sealingMasterKey, Buffer.alloc(0), info, 32));
      this.derivedKeys.set(info, key);
    }
    return key;
  }

  /**
   * The bidder's blind index on a tender: asked of the blind-index oracle, which logs it (issue 17; IdentityKeyService).
   * Tenders published before the oracle keep the former `bid-bidder-blind-index-v1` derivation (legacy tenders).
   */
  blindIndex(tenderId: string, organizationId: string): Promise<string> {
    return this.identityKeys.blindIndex(BIDDER_INDEX, tenderId, organizationId);
  }

  /** The sealing context of a tender, or null when it was published before sealed identities (bids stay in clear). */
  async context(m: EntityManager, tenderId: string, organizationId: string): Promise<SealingContext | null> {
    const pub = await this.identityKeys.publicKey(m, tenderId);
    if (!pub) return null;
    return { tenderId, identityPublicKey: Buffer.from(pub, 'base64'), blindIndex: await this.blindIndex(tenderId, organizationId) };
  }

  /** The same, from the tender's identity public key the caller has read already (lockTenderForBids). */
  async contextOf(tender: { id: string; identityPublicKey: string | null }, organizationId: string): Promise<SealingContext | null> {
    if (!tender.identityPublicKey) return null;
    return { tenderId: tender.id, identityPublicKey: Buffer.from(tender.identityPublicKey, 'base64'), blindIndex: await this.blindIndex(tender.id, organizationId) };
  }

  /** A receipt field as stored → in clear (fields stored in clear pass through). */
  receiptField(value: string, bidId: string): string;
  receiptField(value: string | null, bidId: string): string | null;
  receiptField(value: string | null, bidId: string): string | null {
    if (value === null || !value.startsWith(RECEIPT_PREFIX)) return value;
    return this.crypto.unseal(this.derived('bid-receipt-seal-v1'), value.slice(RECEIPT_PREFIX.length), `bid-receipt|${bidId}`).toString('utf8');
  }

  private sealReceiptField(value: string, bidId: string): string;
  private sealReceiptField(value: string | null, bidId: string): string | null;
  private sealReceiptField(value: string | null, bidId: string): string | null {
    if (value === null) return null;
    return RECEIPT_PREFIX + this.crypto.seal(this.derived('bid-receipt-seal-v1'), Buffer.from(value, 'utf8'), `bid-receipt|${bidId}`);
  }

  /**
   * The platform tier (a key derived from SEALING_MASTER_KEY): proof against a database dump, not against whoever
   * holds the process environment too. Only for the v2 uploads started before their submitter was sealed to the
   * identity key (legacy `sealed_client` rows, no `identity:` prefix): they still finalise. Nothing new is sealed so.
   */
  sealForPlatform(value: unknown, aad: string): string {
    return this.crypto.seal(this.derived('bid-platform-seal-v1'), Buffer.from(JSON.stringify(value), 'utf8'), aad);
  }

  openForPlatform<T>(sealed: string, aad: string): T {
    return JSON.parse(this.crypto.unseal(this.derived('bid-platform-seal-v1'), sealed, aad).toString('utf8')) as T;
  }

  /**
   * A v2 upload's submitter (user, IP, client), sealed at its creation to the tender's identity key (issue 17): the
   * platform cannot open it before k custodians release the key at the deadline.
   */
  sealUploadSubmitter(ctx: SealingContext, uploadId: string, submitter: UploadSubmitter): string {
    return IDENTITY_TIER + this.identityKeys.sealTo(ctx.identityPublicKey, submitter, uploadSubmitterAad(ctx.tenderId, uploadId));
  }

  /**
   * The identity a v2 finalisation seals into its bid version, opening nothing sealed to the identity key: the
   * organisation and the finaliser's user and IP (its own request; the blind index has checked it is the same
   * organisation), and the upload's identity-sealed submitter copied unopened (`upload`), which the opening opens.
   * A row in clear (tender without identity key) or of the legacy platform tier gives the submitter itself.
   */
  uploadIdentity(
    u: { id: string; tenderId: string; sealedClient: string | null; submittedBy: string | null; ip: string | null; client: UploadClient | null },
    organizationId: string,
    finaliser: Actor,
  ): BidIdentity {
    if (u.sealedClient?.startsWith(IDENTITY_TIER)) {
      return {
        organizationId,
        userId: finaliser.userId,
        ip: finaliser.ip ?? '',
        deviceId: '',
        macAddresses: [],
        toolVersion: null,
        documentAuthor: null,
        upload: { id: u.id, sealed: u.sealedClient.slice(IDENTITY_TIER.length) },
      };
    }
    const who: UploadSubmitter = u.sealedClient
      ? this.openForPlatform<UploadSubmitter>(u.sealedClient, uploadSubmitterAad(u.tenderId, u.id))
      : { userId: u.submittedBy!, ip: u.ip ?? '', client: u.client! };
    return { organizationId, ...submitterFields(who) };
  }

  /** What to store for one submitted version. */
  toStore(ctx: SealingContext | null, bidId: string, version: number, id: BidIdentity, receipt: ReceiptFields): StoredIdentity {
    if (!ctx) {
      // An upload sealed to the identity key becomes a bid only while the tender seals identities (the key stays).
      if (id.upload) throw new Error(`upload ${id.upload.id}: sealed to the identity key, finalised on a tender that does not seal identities`);
      return {
        ...receipt,
        organizationId: id.organizationId,
        userId: id.userId,
        ip: id.ip,
        deviceId: id.deviceId,
        macAddresses: id.macAddresses,
        toolVersion: id.toolVersion,
        documentAuthor: id.documentAuthor,
        blindIndex: null,
        sealedIdentity: null,
      };
    }
    return {
      organizationId: null,
      userId: null,
      ip: null,
      deviceId: null,
      macAddresses: [],
      toolVersion: null,
      documentAuthor: null,
      signature: this.sealReceiptField(receipt.signature, bidId),
      envelopeSha256: this.sealReceiptField(receipt.envelopeSha256, bidId),
      envelopeSignature: this.sealReceiptField(receipt.envelopeSignature, bidId),
      blindIndex: ctx.blindIndex,
      sealedIdentity: this.identityKeys.sealTo(ctx.identityPublicKey, id, identityAad(ctx.tenderId, bidId, version)),
    };
  }

  /**
   * The blind indexes under which an organisation's still-sealed bids are filed, for "my bids": one per tender that
   * has sealed bids (tenders before their deadline).
   */
  async myIndexes(m: EntityManager, organizationId: string): Promise<string[]> {
    const tenderIds = await this.bids.tendersWithSealedBids(m);
    // One batch: one logged lookup on each of those tenders (the platform counts them as its own).
    const indexes = await this.identityKeys.blindIndexes(tenderIds.map((tenderId) => ({ purpose: BIDDER_INDEX, tenderId, ids: [organizationId] })));
    return indexes.map(([i]) => i);
  }

  /**
   * 开标: the identities of every bid (and version) of the tender are unsealed and stored in clear, with the
   * identity key rebuilt from k custodians' shares (audited). Called at the bid deadline, before the bids are counted.
   */
  async unsealTender(m: EntityManager, tenderId: string, actor: Actor = SYSTEM_ACTOR): Promise<number> {
    const versions = await this.bids.sealedVersions(m, tenderId);
    const bids = await this.bids.sealedBidsForUpdate(m, tenderId);
    if (!versions.length && !bids.length) return 0;
    const submitters: Array<{ bidId: string; version: number; organizationId: string; userId: string; ip: string }> = [];
    const uploads = new Map<string, UploadSubmitterNaming>();
    await this.identityKeys.withOpener(m, tenderId, actor, async (opener) => {
      const open = (sealed: string, bidId: string, version: number): BidIdentity => {
        const id = opener<BidIdentity>(sealed, identityAad(tenderId, bidId, version));
        if (!id.upload) return id;
        // A v2 version: who started the upload, sealed to the identity key at its creation.
        const who = opener<UploadSubmitter>(id.upload.sealed, uploadSubmitterAad(tenderId, id.upload.id));
        uploads.set(id.upload.id, { uploadId: id.upload.id, userId: who.userId, ip: who.ip, client: who.client });
        return { organizationId: id.organizationId, ...submitterFields(who) };
      };
      const clear = (bidId: string, version: number, sealed: string, r: ReceiptFields): UnsealedIdentityRow => {
        const id = open(sealed, bidId, version);
        return {
          bid_id: bidId,
          version,
          org: id.organizationId,
          usr: id.userId,
          ip: id.ip,
          dev: id.deviceId,
          macs: id.macAddresses,
          tool: id.toolVersion,
          author: id.documentAuthor,
          sig: this.receiptField(r.signature, bidId),
          esha: this.receiptField(r.envelopeSha256, bidId),
          esig: this.receiptField(r.envelopeSignature, bidId),
        };
      };
      const versionRows = versions.map((v) => clear(v.bidId, v.version, v.sealedIdentity, v));
      const bidRows = bids.map((b) => clear(b.bidId, b.version, b.sealedIdentity, b));
      for (const v of versionRows) submitters.push({ bidId: v.bid_id, version: v.version, organizationId: v.org, userId: v.usr, ip: v.ip });
      // One statement per table, however many bids (the deadline transaction holds the tender's lock).
      if (versionRows.length) await this.bids.unsealVersions(m, tenderId, versionRows);
      if (bidRows.length) await this.bids.unsealBids(m, tenderId, bidRows);
    });
    // The uploads that became bids are named again (the others never became bids and stay filed by blind index):
    // their organisation from the bids, and their submitter as opened above with the identity key.
    await this.uploads.nameFinalizedUploads(m, tenderId, [...uploads.values()]);
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

const submitterFields = (who: UploadSubmitter): Omit<BidIdentity, 'organizationId' | 'upload'> => ({
  userId: who.userId,
  ip: who.ip,
  deviceId: who.client.deviceId,
  macAddresses: who.client.macAddresses ?? [],
  toolVersion: who.client.toolVersion ?? null,
  documentAuthor: who.client.documentAuthor ?? null,
});

const identityAad = (tenderId: string, bidId: string, version: number) => `bid-identity|${tenderId}|${bidId}|${version}`;
