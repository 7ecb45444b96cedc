/**
 * The worked examples of format v2 (docs/SEALED_BID_FORMAT.md "v2.8 Test vectors"), one per suite. Everything is
 * computed from fixed inputs except the two SM2 outputs that are randomized by the standard (the SM2 encryption of
 * the bid key and the SM2 receipt signature): for those the vector fixes one valid output, which the tests check by
 * decrypting and verifying. Regenerate the block:
 * `node -r ts-node/register/transpile-only -r tsconfig-paths/register src/sdk/v2/__tests__/test-vector-v2.ts`
 */
import { createHash, sign } from 'crypto';
import { base64Encode, fromHex, toHex, utf8 } from 'src/sdk/core/bytes';
import { wrapEscrowKeySteps } from 'src/sdk/core/format';
import { runSync } from 'src/sdk/core/steps';
import { nodeCrypto } from 'src/sdk/ports/node';
import { envelopeV2Bytes, fileHashLabel, keyCommitmentV2, sealBidV2, segmentNonce, type SuiteId, type SuitePrimitives, sm2PublicFromPrivate, V2_TAG_BYTES } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { ed25519PrivateKeyFromSeed } from '../../__tests__/test-vector';

const b = (hex: string) => fromHex(hex) as Uint8Array;

export const VECTOR_V2_COMMON = {
  tenderId: '6f1c2a4e-3b5d-4c7e-9f01-23456789abcd',
  bidderOrganizationId: '0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9',
  bid: { price: '12345678.90', currency: 'CNY' as const, durationDays: 180 },
  attachment: { name: '投标文件.bin', size: 5000, content: 'byte i is i mod 251, for i = 0 … 4999' },
  segmentSize: 4096,
  noncePrefixHex: 'a0a1a2a3a4a5a6',
  receipt: { bidId: '9b2f7c1e-5a4d-4e3b-8c2a-1f0e9d8c7b6a', version: 1, receivedAt: '2026-03-02T01:23:45.678Z' },
};

export const VECTOR_V2_INPUTS = {
  'INTL-1': {
    keyHex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    escrowPrivateKeyHex: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
    ephemeralPrivateKeyHex: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
    iv2Hex: '0f0e0d0c0b0a090807060504',
    receiptEd25519SeedHex: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  },
  'GM-1': {
    keyHex: '0123456789abcdeffedcba9876543210',
    escrowSm2PrivateKeyHex: '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
    /** One valid SM2 encryption of keyHex under the escrow key (SM2 encryption is randomized). */
    escrowedKeyHex:
      '04eda26c1d3d7f1740c139bd238f6d38b8f002ad84049b3bee7c0b11d8ae77bd0420c942b439a3122a49e4a4619f07b604dcf31aff85e23b012cbec33392bbf871689d353bd80c5df9aa289dc99c0c65fed9c14af166b1ee81a564fd9e44e39c141310769c60707f906199b0478301d7aa',
    receiptSm2PrivateKeyHex: '128b2fa8bd433c6c068c8d803dff79792a519a55171b1b650c23661d15897263',
    /** One valid SM2-SM3 signature (DER) of the envelope by the receipt key (SM2 signing is randomized). */
    envelopeSignatureHex: '3046022100e4b1fd75e0410948752d3e25a979ca23fbe3b75c0806c517da6d383af72fc043022100c6897116e0bf8557b906b700be3de790522de873fb0b51d9895ee0fb3d813202',
  },
};

export function attachmentBytes(): Uint8Array {
  return Uint8Array.from({ length: VECTOR_V2_COMMON.attachment.size }, (_, i) => i % 251);
}

/** `suite`: the Node suite by default (GM-1: node:crypto's SM4/SM3 when present); the tests also pass the fallback. */
export async function computeVectorV2(suiteId: SuiteId, suite: SuitePrimitives = nodeSuite(suiteId)) {
  const c = VECTOR_V2_COMMON;
  const inputs = VECTOR_V2_INPUTS[suiteId] as Record<string, string>;
  const segments: Uint8Array[] = [];
  const noncePrefix = b(c.noncePrefixHex);
  const sealed = await sealBidV2({
    suite,
    tenderId: c.tenderId,
    bidderOrganizationId: c.bidderOrganizationId,
    bid: c.bid,
    attachments: [{ name: c.attachment.name, size: c.attachment.size, content: [attachmentBytes()] }],
    segmentSize: c.segmentSize,
    key: b(inputs.keyHex),
    noncePrefix,
    write: (s) => void segments.push(new Uint8Array(s)),
  });
  let escrowPublicKeyHex: string;
  let escrowedKey: Uint8Array;
  let receiptPublicKey: string;
  if (suiteId === 'INTL-1') {
    escrowPublicKeyHex = toHex(nodeCrypto.x25519PublicFromPrivate(b(inputs.escrowPrivateKeyHex)));
    escrowedKey = runSync(
      wrapEscrowKeySteps({ key: b(inputs.keyHex), escrowPublicKey: b(escrowPublicKeyHex), ephemeralPrivateKey: b(inputs.ephemeralPrivateKeyHex), iv2: b(inputs.iv2Hex) }),
      nodeCrypto,
    );
    receiptPublicKey = '';
  } else {
    escrowPublicKeyHex = toHex(sm2PublicFromPrivate(b(inputs.escrowSm2PrivateKeyHex)));
    escrowedKey = b(inputs.escrowedKeyHex);
    receiptPublicKey = toHex(sm2PublicFromPrivate(b(inputs.receiptSm2PrivateKeyHex)));
  }
  const envelope = envelopeV2Bytes({
    ...c.receipt,
    tenderId: c.tenderId,
    bidderOrganizationId: c.bidderOrganizationId,
    suite: suiteId,
    segmentSize: c.segmentSize,
    ciphertextLength: sealed.envelope.ciphertextLength,
    ciphertextHash: sealed.envelope.ciphertextHash,
    noncePrefix,
    keyCommitment: sealed.envelope.keyCommitment,
    escrowedKey,
    receivedAt: c.receipt.receivedAt,
  });
  let envelopeSignatureBase64: string;
  if (suiteId === 'INTL-1') {
    const key = ed25519PrivateKeyFromSeed(inputs.receiptEd25519SeedHex);
    envelopeSignatureBase64 = sign(null, envelope, key).toString('base64');
    receiptPublicKey = (await import('crypto')).createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
  } else {
    envelopeSignatureBase64 = base64Encode(b(inputs.envelopeSignatureHex));
  }
  const h = (d: Uint8Array) => toHex(await_(suite.hash(d)));
  return {
    aad: `${c.tenderId}|${c.bidderOrganizationId}`,
    plaintextLength: sealed.plaintextLength,
    segments: segments.map((s, i) => ({
      nonceHex: toHex(segmentNonce(noncePrefix, i, i === segments.length - 1)),
      sealedLength: s.length,
      tagHex: toHex(s.subarray(s.length - V2_TAG_BYTES)),
      sealedHash: h(s),
      firstSealedBytesHex: toHex(s.subarray(0, 16)),
    })),
    ciphertextLength: sealed.envelope.ciphertextLength,
    fileHashInput: `${fileHashLabel(suiteId)} ‖ ${segments.map((_, i) => `H(sealed_${i})`).join(' ‖ ')}`,
    ciphertextHash: sealed.envelope.ciphertextHash,
    keyCommitment: await keyCommitmentV2(suite, b(inputs.keyHex)),
    escrowPublicKeyHex,
    escrowedKeyBase64: base64Encode(escrowedKey),
    envelopeUtf8: new TextDecoder().decode(envelope),
    envelopeHash: h(envelope),
    receiptPublicKey,
    envelopeSignatureBase64,
  };
}

function await_<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new Error('the Node suites hash synchronously');
  return v;
}

export async function computeVectorsV2() {
  return {
    common: VECTOR_V2_COMMON,
    'INTL-1': { inputs: VECTOR_V2_INPUTS['INTL-1'], outputs: await computeVectorV2('INTL-1') },
    'GM-1': { inputs: VECTOR_V2_INPUTS['GM-1'], outputs: await computeVectorV2('GM-1') },
  };
}

if (require.main === module) {
  void computeVectorsV2().then((v) => process.stdout.write(JSON.stringify(v, null, 2) + '\n'));
}
void createHash;
void utf8;
