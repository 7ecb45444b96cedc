import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { generateEscrowKeyPair } from 'src/sdk';
import { x25519PublicFromPrivate } from 'src/sdk/x25519';
import { ThresholdEscrowService } from './threshold-escrow.service';

/** The custody name of a tender's identity private key (sealed identities, issue 17). */
export const IDENTITY_KEY_SECRET = 'identity-key';

/**
 * The tender's identity key pair (issue 17, sealed identities): who bid — organisation, user, IP, device, author —
 * is encrypted to its public key when the bid arrives; the private key is split among the escrow custodians with the
 * bid deadline as release instant, like the escrow key, and rebuilt only at the opening to unseal the identities.
 */
@Injectable()
export class IdentityKeyService {
  constructor(private readonly custody: ThresholdEscrowService) {}

  /** At publication, in the caller's transaction. */
  async create(m: EntityManager, tenderId: string, bidDeadline: Date): Promise<string> {
    const pair = generateEscrowKeyPair();
    const privateKey = Buffer.from(pair.privateKey, 'base64');
    try {
      await m.query(`UPDATE tenders SET identity_public_key = $2 WHERE id = $1`, [tenderId, pair.publicKey]);
      await this.custody.deposit(m, { tenderId, secretId: IDENTITY_KEY_SECRET, secret: privateKey, notBefore: bidDeadline, actor: SYSTEM_ACTOR });
    } finally {
      privateKey.fill(0);
    }
    return pair.publicKey;
  }

  async publicKey(m: EntityManager, tenderId: string): Promise<string | null> {
    const [row]: Array<{ k: string | null }> = await m.query(`SELECT identity_public_key AS k FROM tenders WHERE id = $1`, [tenderId]);
    return row?.k ?? null;
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
