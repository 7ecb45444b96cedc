import { Test } from '@nestjs/testing';
import { AppConfig } from 'src/infra/config/app-config';
import { createEscrowUnwrapper, generateEscrowKeyPair, sealBid, sha256Hex } from 'src/sdk';
import { BidStatus } from '../../bids/bid.enums';
import { type SealedParts, type UndecryptedBid } from '../../bids/bid-lifecycle.service';
import { decryptWithEscrow } from '../bid-decryptor';
import { EscrowDecryptionPool } from '../escrow-decryption.pool';

const TENDER = '6f1c2a4e-8b1d-4c3e-9f0a-1b2c3d4e5f60';
const org = (i: number) => `0a1b2c3d-4e5f-4061-8728-${String(i).padStart(12, '0')}`;

describe('EscrowDecryptionPool: worker threads give the same answers as the main thread', () => {
  const pair = generateEscrowKeyPair();
  const escrow = () => ({ privateKey: Buffer.from(pair.privateKey, 'base64'), publicKey: Buffer.from(pair.publicKey, 'base64') });
  const items = Array.from({ length: 12 }, (_, i) => {
    const s = sealBid({
      tenderId: TENDER,
      bidderOrganizationId: org(i),
      plaintext: {
        price: `${1000 + i}.5`,
        currency: 'CNY',
        durationDays: 100 + i,
        attachments: [{ name: `f${i}.pdf`, contentBase64: Buffer.from(`file ${i}`).toString('base64') }],
      },
      escrowPublicKey: pair.publicKey,
      client: { deviceId: 'd' },
    });
    const ciphertext = Buffer.from(s.request.ciphertext, 'base64');
    const bid: UndecryptedBid = {
      bidId: `b${i}`,
      tenderId: TENDER,
      // bid 3 claims another organisation: its aad does not authenticate (the bidder's fault)
      bidderOrganizationId: i === 3 ? org(99) : org(i),
      status: BidStatus.OPENED,
      keyCommitment: s.request.keyCommitment,
      ciphertextSha256: sha256Hex(ciphertext),
      hasEscrowedKey: true,
      price: null,
      revealedKey: null,
    };
    const parts: SealedParts = {
      bidId: `b${i}`,
      ciphertext,
      iv: Buffer.from(s.request.iv, 'base64'),
      escrowedKey: i === 5 ? null : Buffer.from(s.request.escrowedKey!, 'base64'),
    };
    return { bid, parts };
  });

  let pool: EscrowDecryptionPool;
  beforeAll(async () => {
    const mod = await Test.createTestingModule({
      providers: [EscrowDecryptionPool, { provide: AppConfig, useValue: AppConfig.fromEnvironment({ NODE_ENV: 'test' }) }],
    }).compile();
    pool = mod.get(EscrowDecryptionPool);
  });
  afterAll(() => pool.onModuleDestroy());

  it('decrypts a share in a worker thread and the rest here, in order', async () => {
    const unwrap = createEscrowUnwrapper({ escrowPrivateKey: pair.privateKey, escrowPublicKey: pair.publicKey });
    const expected = items.map(({ bid, parts }) => decryptWithEscrow(bid, parts, unwrap));
    const got = await pool.decrypt(escrow(), items, { parallelFrom: 1 });
    expect(got).toEqual(expected);
    expect(got.filter((r) => r.ok)).toHaveLength(10);
    expect(got[3]).toEqual({ ok: false, code: 'DECRYPTION_FAILED' });
    expect(got[5]).toEqual({ ok: false, code: 'NO_ESCROWED_KEY' });
    expect(got[0].ok && Buffer.isBuffer(got[0].record.key)).toBe(true);
    expect((pool as unknown as { workers: Array<{ alive: boolean }> }).workers.some((w) => w.alive)).toBe(true);
  });

  it('small openings stay on the main thread', async () => {
    const got = await pool.decrypt(escrow(), items.slice(0, 2));
    expect(got.map((r) => r.ok)).toEqual([true, true]);
  });
});
