import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { ThresholdEscrowService } from './threshold-escrow.service';

/** The custody name of a tender's expert-draw seed, committed at publication (issue 17, an unsteerable draw). */
export const TENDER_DRAW_SEED = 'draw-seed';

/**
 * The seed of the tender's expert draw is drawn at publication — before any bid and before the opening's signed
 * audit head (the draw's beacon) exists — committed (`tenders.draw_seed_commitment`, SHA-256 of the 32 bytes) and
 * split among the escrow custodians with the bid deadline as release instant. So the platform cannot try seeds
 * against a known beacon (seed grinding), and nobody, the platform included, knows the seed before the deadline.
 */
@Injectable()
export class DrawSeedCustody {
  constructor(
    private readonly custody: ThresholdEscrowService,
    private readonly crypto: CryptoService,
  ) {}

  async commit(m: EntityManager, tenderId: string, bidDeadline: Date): Promise<string> {
    const seed = this.crypto.randomBytes(32);
    try {
      const commitment = createHash('sha256').update(seed).digest('hex');
      await this.custody.deposit(m, { tenderId, secretId: TENDER_DRAW_SEED, secret: seed, notBefore: bidDeadline, actor: SYSTEM_ACTOR });
      return commitment;
    } finally {
      seed.fill(0);
    }
  }
}
