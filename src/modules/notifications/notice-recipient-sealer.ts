import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { IdentityKeyService } from 'src/modules/custody/identity-key.service';
import { UsersRepository } from 'src/modules/identity/organizations.repository';
import { NotificationsRepository } from './notifications.repository';

/** Platform-tier purposes (issue 17): each its own key, so the indexes of one table do not link to another's. */
const RECIPIENT_SEALED = 'notification-recipient';
const RECIPIENT_USER_INDEX = 'notification-recipient-user';
const RECIPIENT_ORG_INDEX = 'notification-recipient-org';
const READER_INDEX = 'notification-reader';
const DEDUPE_DIGEST = 'notification-dedupe';

export interface SealedRecipient {
  userId: string | null;
  organizationId: string | null;
  /** The clear dedupe key, put back at the deadline. */
  dedupeKey: string;
}

/** Marks a recipient or read mark sealed to the tender's identity key (operator tier): opened only at the deadline. */
export type IdentityOpener = <T>(sealed: string, aad: string) => T;
export const IDENTITY_TIER = 'identity:';
export const isIdentitySealed = (sealed: string | null | undefined): boolean => !!sealed && sealed.startsWith(IDENTITY_TIER);

/**
 * A recipient already sealed to the tender's identity key, with its notice blind indexes (a downloader, issue 17):
 * the notices module stores it as is, never opening it before the deadline.
 */
export interface PreSealedRecipient {
  sealed: string;
  userIndex: string;
  orgIndex: string | null;
}

/** The identity-tier recipient is bound to its tender and its user blind index. */
export const identityRecipientAad = (tenderId: string, userIndex: string) => `notice-recipient-identity|${tenderId}|${userIndex}`;
/** A clear recipient sealed to the identity key by the notices module is bound to its tender and its dedupe digest. */
export const identityNoticeAad = (tenderId: string, dedupeDigest: string) => `notice-recipient-identity-dedupe|${tenderId}|${dedupeDigest}`;
/** The keyed dedupe digest of a sealed notice (`dedupeDigest`): such a notice carries its clear dedupe key in the seal. */
export const DEDUPE_DIGEST_PREFIX = 'sealed:';
const recipientAad = (tenderId: string, dedupeDigest: string) => `notification-recipient|${tenderId}|${dedupeDigest}`;
const readerAad = (notificationId: string, readerIndex: string) => `notification-reader|${notificationId}|${readerIndex}`;

/** The blind indexes a caller of the inbox may hold on the tenders that have sealed notices. */
export interface InboxKeys {
  userIndexes: string[];
  orgIndexes: string[];
  readerIndexes: string[];
  /** tender id → the caller's reader index on it (to mark a sealed notice read). */
  readerIndexOf: Map<string, string>;
}

/**
 * Sealed notice recipients (issue 17; TBL Art. 22, EB20 Arts. 27/31): before the deadline of a tender that seals
 * identities, a notice about it to a bidder-side party (a downloader told of an amendment or a cancellation, the
 * objector told of the answer, a bidder told of its refund) would name a prospective bidder with the tender. Such a
 * notice stores no recipient in clear: user, organisation and dedupe key are sealed to the tender's identity public key
 * (`sealClearToIdentity`; operator tier — nothing the platform holds opens them before k custodians release the key at
 * the deadline), and the recipient is found by blind indexes HMAC(tender|user), HMAC(tender|organisation) — per
 * tender, so one party's notices on two tenders do not link. The procuring entity and supervisors are no bidder
 * identities. Rows sealed before under a platform key (`seal`, the former platform tier) are still opened (`open`).
 */
@Injectable()
export class NoticeRecipientSealer {
  constructor(
    private readonly keys: IdentityKeyService,
    private readonly users: UsersRepository,
    private readonly notifications: NotificationsRepository,
  ) {}

  /**
   * Which of `items` are sealed: tied to a tender that seals identities now (database clock), addressed to someone
   * other than the tender's procuring entity, a supervisor or an administrator.
   */
  async toSeal(m: EntityManager, items: Array<{ tenderId?: string | null; recipientUserId?: string | null; recipientOrganizationId?: string | null }>): Promise<boolean[]> {
    const tenderIds = [...new Set(items.map((i) => i.tenderId).filter((x): x is string => !!x))];
    if (tenderIds.length === 0) return items.map(() => false);
    const tenders = await this.notifications.tendersSealing(m, tenderIds);
    const byId = new Map(tenders.map((t) => [t.id, t]));
    if (!tenders.some((t) => t.sealed)) return items.map(() => false);
    const userIds = [...new Set(items.map((i) => i.recipientUserId).filter((x): x is string => !!x))];
    const users = await this.users.findByIds(m, userIds);
    const userById = new Map(users.map((u) => [u.id, u]));
    return items.map((i) => {
      const t = i.tenderId ? byId.get(i.tenderId) : undefined;
      if (!t?.sealed || (!i.recipientUserId && !i.recipientOrganizationId)) return false;
      const user = i.recipientUserId ? userById.get(i.recipientUserId) : undefined;
      if (user && (user.role === Role.SUPERVISOR || user.role === Role.ADMIN)) return false;
      const org = i.recipientOrganizationId ?? user?.organizationId ?? null;
      return org !== t.procuringEntityId;
    });
  }

  dedupeDigest(dedupeKey: string): string {
    return `${DEDUPE_DIGEST_PREFIX}${this.keys.platformDigest(DEDUPE_DIGEST, Buffer.from(dedupeKey, 'utf8'))}`;
  }

  /** The recipient's blind indexes are asked of the blind-index oracle (issue 17): each one a logged lookup. */
  userIndex(tenderId: string, userId: string): Promise<string> {
    return this.keys.blindIndex(RECIPIENT_USER_INDEX, tenderId, userId);
  }

  orgIndex(tenderId: string, organizationId: string): Promise<string> {
    return this.keys.blindIndex(RECIPIENT_ORG_INDEX, tenderId, organizationId);
  }

  readerIndex(tenderId: string, userId: string): Promise<string> {
    return this.keys.blindIndex(READER_INDEX, tenderId, userId);
  }

  /**
   * A clear recipient that must be sealed, sealed to the tender's identity public key (operator tier, issue 17): user,
   * organisation and the clear dedupe key inside the seal (AAD bound to the tender and the dedupe digest); the row
   * keeps the keyed dedupe digest (a repeated enqueue still finds it) and the blind indexes. `sealed` carries the
   * `identity:` prefix: delivered INBOX_ONLY, opened at the deadline by k custodians (`openClearWith`).
   */
  async sealClearToIdentity(
    identityPublicKey: string,
    tenderId: string,
    recipient: SealedRecipient,
  ): Promise<{ sealed: string; dedupeKey: string; userIndex: string | null; orgIndex: string | null }> {
    const dedupeKey = this.dedupeDigest(recipient.dedupeKey);
    return {
      sealed: IDENTITY_TIER + this.keys.sealTo(Buffer.from(identityPublicKey, 'base64'), recipient, identityNoticeAad(tenderId, dedupeKey)),
      dedupeKey,
      ...(await this.indexes(tenderId, recipient.userId, recipient.organizationId)),
    };
  }

  /** A recipient's user and organisation indexes, in one oracle request. */
  private async indexes(
    tenderId: string,
    userId: string | null | undefined,
    organizationId: string | null | undefined,
  ): Promise<{ userIndex: string | null; orgIndex: string | null }> {
    const [u, o] = await this.keys.blindIndexes([
      { purpose: RECIPIENT_USER_INDEX, tenderId, ids: userId ? [userId] : [] },
      { purpose: RECIPIENT_ORG_INDEX, tenderId, ids: organizationId ? [organizationId] : [] },
    ]);
    return { userIndex: u[0] ?? null, orgIndex: o[0] ?? null };
  }

  /** Opens a `sealClearToIdentity` recipient with the rebuilt identity key (at the deadline). */
  openClearWith(open: IdentityOpener, tenderId: string, dedupeDigest: string, sealed: string): SealedRecipient {
    return open<SealedRecipient>(sealed.slice(IDENTITY_TIER.length), identityNoticeAad(tenderId, dedupeDigest));
  }

  /** Former platform tier (rows written before the move to the identity key); no new notice is sealed so. */
  async seal(tenderId: string, recipient: SealedRecipient): Promise<{ sealed: string; dedupeKey: string; userIndex: string | null; orgIndex: string | null }> {
    const dedupeKey = this.dedupeDigest(recipient.dedupeKey);
    return {
      sealed: this.keys.platformSeal(RECIPIENT_SEALED, recipient, recipientAad(tenderId, dedupeKey)),
      dedupeKey,
      ...(await this.indexes(tenderId, recipient.userId, recipient.organizationId)),
    };
  }

  /**
   * A downloader sealed to the tender's identity public key (operator tier): only the blind indexes are computed by the
   * platform; who it is is opened at the deadline by k custodians (`openIdentity`).
   */
  async sealToIdentity(identityPublicKey: string, tenderId: string, who: { userId: string; organizationId: string | null }): Promise<PreSealedRecipient> {
    const { userIndex, orgIndex } = await this.indexes(tenderId, who.userId, who.organizationId);
    return {
      sealed: this.keys.sealTo(Buffer.from(identityPublicKey, 'base64'), who, identityRecipientAad(tenderId, userIndex!)),
      userIndex: userIndex!,
      orgIndex,
    };
  }

  /** A read mark of an identity-tier notice: the reader sealed to the identity key too. */
  sealReaderToIdentity(identityPublicKey: string, notificationId: string, readerIndex: string, userId: string): string {
    return IDENTITY_TIER + this.keys.sealTo(Buffer.from(identityPublicKey, 'base64'), { userId }, readerAad(notificationId, readerIndex));
  }

  /** An identity-tier read mark, opened with the rebuilt identity key (at the deadline). */
  openReaderWith(open: IdentityOpener, notificationId: string, readerIndex: string, sealed: string): string {
    return open<{ userId: string }>(sealed.slice(IDENTITY_TIER.length), readerAad(notificationId, readerIndex)).userId;
  }

  /** The tender's identity key, rebuilt from k custodians (not before the deadline; audited by custody). */
  withIdentityOpener<R>(m: EntityManager, tenderId: string, actor: Actor, use: (open: IdentityOpener) => Promise<R>): Promise<R> {
    return this.keys.withOpener(m, tenderId, actor, use);
  }

  /** The tender's identity public key (null: the tender seals nothing). */
  identityPublicKey(m: EntityManager, tenderId: string): Promise<string | null> {
    return this.keys.publicKey(m, tenderId);
  }

  /** Opens a former platform-tier recipient (a row written before the move to the identity key). */
  open(tenderId: string, dedupeKey: string, sealed: string): SealedRecipient {
    return this.keys.platformOpen<SealedRecipient>(RECIPIENT_SEALED, sealed, recipientAad(tenderId, dedupeKey));
  }

  sealReader(notificationId: string, readerIndex: string, userId: string): string {
    return this.keys.platformSeal(READER_INDEX, { userId }, readerAad(notificationId, readerIndex));
  }

  openReader(notificationId: string, readerIndex: string, sealed: string): string {
    return this.keys.platformOpen<{ userId: string }>(READER_INDEX, sealed, readerAad(notificationId, readerIndex)).userId;
  }

  /**
   * The caller's blind indexes on every tender that has sealed notices (few: those before their deadline) or sealed
   * read marks (one written while the deadline's unsealing ran stays sealed, and still counts).
   */
  async inboxKeys(m: EntityManager, userId: string, organizationId: string | null): Promise<InboxKeys> {
    const tenderIds = await this.notifications.tendersWithSealedNotices(m);
    const keys: InboxKeys = { userIndexes: [], orgIndexes: [], readerIndexes: [], readerIndexOf: new Map() };
    // One oracle request: one logged lookup per purpose on each of those tenders (counted by the platform as its own).
    const answers = await this.keys.blindIndexes(
      tenderIds.flatMap((tenderId) => [
        { purpose: RECIPIENT_USER_INDEX, tenderId, ids: [userId] },
        { purpose: RECIPIENT_ORG_INDEX, tenderId, ids: organizationId ? [organizationId] : [] },
        { purpose: READER_INDEX, tenderId, ids: [userId] },
      ]),
    );
    tenderIds.forEach((tenderId, i) => {
      const [[user], [org], [reader]] = answers.slice(3 * i, 3 * i + 3);
      keys.userIndexes.push(user);
      if (org) keys.orgIndexes.push(org);
      keys.readerIndexes.push(reader);
      keys.readerIndexOf.set(tenderId, reader);
    });
    return keys;
  }
}
