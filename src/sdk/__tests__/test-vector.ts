/**
 * The worked test vector of docs/SEALED_BID_FORMAT.md, computed with the SDK. test-vector.spec.ts checks that the
 * document shows exactly these values (and that an independent implementation agrees), so the doc cannot drift.
 * Print it: node -r ts-node/register/transpile-only -r tsconfig-paths/register src/sdk/__tests__/test-vector.ts
 */
import { createPrivateKey, createPublicKey } from 'crypto';
import {
  bidAad,
  type BidPlaintext,
  deriveEscrowKek,
  encryptBid,
  keyCommitment,
  receiptMessage,
  serializePlaintext,
  sha256Hex,
  signReceipt,
  wrapEscrowKey,
  x25519PublicFromPrivate,
} from 'src/sdk';
import { x25519 } from 'src/sdk/x25519';

/** Fixed inputs. The X25519 keys are RFC 7748 §6.1's (Alice = escrow, Bob = ephemeral); Ed25519 is RFC 8032 test 1. */
export const VECTOR_INPUTS = {
  tenderId: '6f1c2a4e-3b5d-4c7e-9f01-23456789abcd',
  bidderOrganizationId: '0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9',
  plaintext: {
    price: '12345678.90',
    currency: 'CNY',
    durationDays: 180,
    attachments: [{ name: '报价一览表.txt', contentBase64: Buffer.from('投标总价：壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角', 'utf8').toString('base64') }],
  } as BidPlaintext,
  keyHex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  ivHex: 'cafebabefacedbaddecaf888',
  escrowPrivateKeyHex: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  ephemeralPrivateKeyHex: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  iv2Hex: '0f0e0d0c0b0a090807060504',
  receipt: { bidId: '9b2f7c1e-5a4d-4e3b-8c2a-1f0e9d8c7b6a', version: 1, receivedAt: '2026-03-02T01:23:45.678Z' },
  receiptEd25519SeedHex: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
};

/** PKCS#8 PEM of an Ed25519 seed (RFC 8410 prefix). */
export function ed25519PrivateKeyFromSeed(seedHex: string) {
  return createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
}

export function computeTestVector() {
  const v = VECTOR_INPUTS;
  const key = Buffer.from(v.keyHex, 'hex');
  const plaintextBytes = serializePlaintext(v.plaintext);
  const ciphertext = encryptBid({ ...v, key, iv: Buffer.from(v.ivHex, 'hex') });
  const escrowPrivate = Buffer.from(v.escrowPrivateKeyHex, 'hex');
  const escrowPublic = x25519PublicFromPrivate(escrowPrivate);
  const ephemeralPrivate = Buffer.from(v.ephemeralPrivateKeyHex, 'hex');
  const ephemeralPublic = x25519PublicFromPrivate(ephemeralPrivate);
  const shared = x25519(ephemeralPrivate, escrowPublic);
  const commitment = keyCommitment(key);
  const ciphertextSha256 = sha256Hex(ciphertext);
  const receiptKey = ed25519PrivateKeyFromSeed(v.receiptEd25519SeedHex);
  const fields = {
    ...v.receipt,
    tenderId: v.tenderId,
    bidderOrganizationId: v.bidderOrganizationId,
    ciphertextSha256,
    keyCommitment: commitment,
  };
  return {
    aad: bidAad(v.tenderId, v.bidderOrganizationId).toString('utf8'),
    plaintextUtf8: plaintextBytes.toString('utf8'),
    plaintextHex: plaintextBytes.toString('hex'),
    ciphertextHex: ciphertext.toString('hex'),
    ciphertextBase64: ciphertext.toString('base64'),
    ivBase64: Buffer.from(v.ivHex, 'hex').toString('base64'),
    keyBase64: key.toString('base64'),
    keyCommitment: commitment,
    ciphertextSha256,
    escrowPublicKeyHex: escrowPublic.toString('hex'),
    escrowPublicKeyBase64: escrowPublic.toString('base64'),
    ephemeralPublicKeyHex: ephemeralPublic.toString('hex'),
    sharedSecretHex: shared.toString('hex'),
    kekHex: deriveEscrowKek(shared, ephemeralPublic, escrowPublic).toString('hex'),
    escrowedKeyBase64: wrapEscrowKey({
      key,
      escrowPublicKey: escrowPublic,
      ephemeralPrivateKey: ephemeralPrivate,
      iv2: Buffer.from(v.iv2Hex, 'hex'),
    }),
    receiptMessage: receiptMessage(fields).toString('utf8'),
    receiptPublicKeyPem: createPublicKey(receiptKey).export({ format: 'pem', type: 'spki' }).toString(),
    receiptSignatureBase64: signReceipt(fields, receiptKey),
  };
}

if (require.main === module) {
  process.stdout.write(`${JSON.stringify({ inputs: VECTOR_INPUTS, outputs: computeTestVector() }, null, 2)}\n`);
}
