import { Injectable } from '@nestjs/common';
import { createHmac, hkdfSync } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { createEscrowUnwrapper, generateEscrowKeyPair, wrapEscrowKey } from 'src/sdk';
import { x25519PublicFromPrivate } from 'src/sdk/x25519';
import { ThresholdEscrowService } from './threshold-escrow.service';
import { TenderCustodyRepository } from './escrow-custody-shares.repository';

/** The custody name of a tender's identity private key (sealed identities, issue 17). */
export const IDENTITY_KEY_SECRET = 'identity-key';

/**
 * The tender's identity key pair (issue 17, sealed identities): who bid — organisation, user, IP, device, author —
 * is encrypted to its public key when the bid arrives; the private key is split among the escrow custodians with the
 * bid deadline as release instant, like the escrow key, and rebuilt only at the opening to unseal the identities.
 */
@Injectable()
export class IdentityKeyService {
  constructor(
    private readonly custody: ThresholdEscrowService,
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
    private readonly tenders: TenderCustodyRepository,
  ) {}

  /** Seals `value` to a tender's identity public key: a fresh AES-256-GCM key, wrapped as an escrowed bid key is. */
  sealTo(identityPublicKey: Buffer, value: unknown, aad: string): string {
    const dataKey = this.crypto.randomBytes(32);
    try {
      const k = wrapEscrowKey({ key: dataKey, escrowPublicKey: identityPublicKey });
      return JSON.stringify({ v: 1, k, c: this.crypto.seal(dataKey, Buffer.from(JSON.stringify(value), 'utf8'), aad) });
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Opens what was sealed to the tender's identity key: the private key is rebuilt once from k custodians (audited).
   * `use` runs with the opener; the key is wiped after it.
   */
  async withOpener<R>(m: EntityManager, tenderId: string, actor: Actor, use: (open: <T>(sealed: string, aad: string) => T) => Promise<R>): Promise<R> {
    const key = await this.privateKey(m, tenderId, actor);
    try {
      const unwrap = createEscrowUnwrapper({ escrowPrivateKey: key.privateKey, escrowPublicKey: key.publicKey });
      return await use(<T>(sealed: string, aad: string): T => {
        const { k, c } = JSON.parse(sealed) as { k: string; c: string };
        const dataKey = unwrap(k);
        try {
          return JSON.parse(this.crypto.unseal(dataKey, c, aad).toString('utf8')) as T;
        } finally {
          dataKey.fill(0);
        }
      });
    } finally {
      key.privateKey.fill(0);
    }
  }

  /**
   * The platform tier, for what the platform itself must read before the deadline (e.g. whom to notify of an
   * amendment): sealed under a key derived from SEALING_MASTER_KEY — proof against a database dump, not against
   * whoever holds the process environment too.
   */
  platformSeal(purpose: string, value: unknown, aad: string): string {
    return this.crypto.seal(this.platformKey(purpose), Buffer.from(JSON.stringify(value), 'utf8'), aad);
  }
  platformOpen<T>(purpose: string, sealed: string, aad: string): T {
    return JSON.parse(this.crypto.unseal(this.platformKey(purpose), sealed, aad).toString('utf8')) as T;
  }
  /** HMAC-SHA256 under a key derived from SEALING_MASTER_KEY: finds a sealed row without naming its owner. */
  blindIndex(purpose: string, tenderId: string, organizationId: string): string {
    return createHmac('sha256', this.platformKey(`blind-index|${purpose}`))
      .update(`${tenderId}|${organizationId}`, 'utf8')
      .digest('hex');
  }

  /** HMAC-SHA256 of `data` under a key derived from SEALING_MASTER_KEY: a digest that cannot be tested against guesses without it. */
  platformDigest(purpose: string, data: Buffer): string {
    return createHmac('sha256', this.platformKey(`digest|${purpose}`))
      .update(data)
      .digest('hex');
  }

  /** Whether a tender seals identities now: it has an identity key and its deadline has not passed (database clock). */
  async sealsIdentities(m: EntityManager, tenderId: string): Promise<boolean> {
    return this.tenders.sealsIdentities(m, tenderId);
  }

  /** Derived once per purpose (HKDF is deterministic; the master key is in memory anyway). */
  private readonly platformKeys = new Map<string, Buffer>();

  private platformKey(purpose: string): Buffer {
    let key = this.platformKeys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.config.sealingMasterKey, Buffer.alloc(0), `platform-tier|${purpose}`, 32));
      this.platformKeys.set(purpose, key);
    }
    return key;
  }

  /**
   * At publication, in the caller's transaction: a new key pair whose private key is split among the custodians. Returns
   * the public key, which the tenders module stores on the tender.
   */
  async create(m: EntityManager, tenderId: string, bidDeadline: Date): Promise<string> {
    const pair = generateEscrowKeyPair();
    const privateKey = Buffer.from(pair.privateKey, 'base64');
    try {
      await this.custody.deposit(m, { tenderId, secretId: IDENTITY_KEY_SECRET, secret: privateKey, notBefore: bidDeadline, actor: SYSTEM_ACTOR });
    } finally {
      privateKey.fill(0);
    }
    return pair.publicKey;
  }

  async publicKey(m: EntityManager, tenderId: string): Promise<string | null> {
    return this.tenders.identityPublicKey(m, tenderId);
  }

  /** The private key, from k custodians' released shares (not before the deadline, by their clocks). */
  async privateKey(m: EntityManager, tenderId: string, actor: Actor): Promise<{ privateKey: Buffer; publicKey: Buffer }> {
    const pub = await this.publicKey(m, tenderId);
    if (!pub) throw new Error(`tender ${tenderId} has no identity key`);
    const privateKey = await this.custody.reconstruct(m, {
      tenderId,
      secretId: IDENTITY_KEY_SECRET,
      actor,
      check: (s) => s.length === 32 && x25519PublicFromPrivate(s).toString('base64') === pub,
    });
    return { privateKey, publicKey: Buffer.from(pub, 'base64') };
  }
}
