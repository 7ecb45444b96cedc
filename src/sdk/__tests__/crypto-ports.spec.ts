/**
 * One format, three crypto ports: the core (src/sdk/core) run on node:crypto, on WebCrypto (Node's own
 * webcrypto.subtle stands in for the browser's) and on the pure-JavaScript noble port gives byte-identical results
 * on the worked test vector, and bids sealed on one port open on another. The WebCrypto port falls back to noble
 * for an algorithm the browser lacks, and only then.
 */
import { webcrypto } from 'crypto';
import { hex } from './hex';
import { computeTestVector, VECTOR_INPUTS } from './test-vector';
import { type Bytes } from 'src/sdk/core/bytes';
import { base64DecodeStrict as coreDecode, base64Encode as coreEncode, fromHex } from 'src/sdk/core/bytes';
import {
  encryptBidSteps,
  keyCommitmentSteps,
  openBidSteps,
  receiptMessageBytes,
  sealBidSteps,
  unwrapEscrowedKeySteps,
  verifyReceiptSteps,
  wrapEscrowKeySteps,
  ed25519SpkiFromPem,
} from 'src/sdk/core/format';
import { type AsyncCryptoPort, type CryptoPort, runAsync, runSync, type Steps } from 'src/sdk/core/steps';
import { nobleCrypto } from 'src/sdk/ports/noble';
import { nodeCrypto } from 'src/sdk/ports/node';
import { createWebCryptoPort, type SubtleLike } from 'src/sdk/ports/webcrypto';
import { openBid, sealBid, unwrapEscrowedKey, isSealedBidError } from 'src/sdk';
import { decodeBase64Strict } from 'src/sdk/encoding';

const subtle = webcrypto.subtle as unknown as SubtleLike;
const web = () => createWebCryptoPort(subtle, nobleCrypto, (n) => nobleCrypto.randomBytes(n));
const ports: Array<[string, () => CryptoPort | AsyncCryptoPort, boolean]> = [
  ['node:crypto', () => nodeCrypto, true],
  ['noble', () => nobleCrypto, true],
  ['WebCrypto', web, false],
  ['WebCrypto without subtle (all noble)', () => createWebCryptoPort(undefined, nobleCrypto, (n) => nobleCrypto.randomBytes(n)), false],
];
const run = <T>(steps: Steps<T>, port: CryptoPort | AsyncCryptoPort, sync: boolean): Promise<T> =>
  sync ? new Promise<T>((resolve) => resolve(runSync(steps, port as CryptoPort))) : runAsync(steps, port);

const v = VECTOR_INPUTS;
const expected = computeTestVector();
const b = (h: string) => fromHex(h)!;

describe.each(ports)('the core on %s', (_name, makePort, sync) => {
  it('reproduces the worked test vector byte for byte', async () => {
    const port = makePort();
    const ct = await run(encryptBidSteps({ ...v, key: b(v.keyHex), iv: b(v.ivHex) }), port, sync);
    expect(hex(ct)).toBe(expected.ciphertextHex);
    expect(await run(keyCommitmentSteps(b(v.keyHex)), port, sync)).toBe(expected.keyCommitment);
    const escrowPublic = b(expected.escrowPublicKeyHex);
    const wrapped = await run(
      wrapEscrowKeySteps({ key: b(v.keyHex), escrowPublicKey: escrowPublic, ephemeralPrivateKey: b(v.ephemeralPrivateKeyHex), iv2: b(v.iv2Hex) }),
      port,
      sync,
    );
    expect(coreEncode(wrapped)).toBe(expected.escrowedKeyBase64);
    const unwrapped = await run(unwrapEscrowedKeySteps(wrapped, b(v.escrowPrivateKeyHex), escrowPublic), port, sync);
    expect(hex(unwrapped)).toBe(v.keyHex);
    const receipt = { ...v.receipt, ciphertextSha256: expected.ciphertextSha256, signature: expected.receiptSignatureBase64 };
    const spki = ed25519SpkiFromPem(expected.receiptPublicKeyPem);
    const verifyInput = { receipt, tenderId: v.tenderId, bidderOrganizationId: v.bidderOrganizationId, keyCommitment: expected.keyCommitment, receiptPublicKeySpki: spki };
    expect(await run(verifyReceiptSteps({ ...verifyInput, ciphertext: ct }), port, sync)).toBe(true);
    expect(await run(verifyReceiptSteps({ ...verifyInput, receipt: { ...receipt, version: 2 } }), port, sync)).toBe(false);
    expect(
      Buffer.from(
        receiptMessageBytes({
          ...v.receipt,
          tenderId: v.tenderId,
          bidderOrganizationId: v.bidderOrganizationId,
          ciphertextSha256: expected.ciphertextSha256,
          keyCommitment: expected.keyCommitment,
        }),
      ).toString('utf8'),
    ).toBe(expected.receiptMessage);
  });

  it('seals a bid that the Node SDK opens (and unwraps from escrow); a wrong key does not open it', async () => {
    const port = makePort();
    const client = { deviceId: 'browser-device-1', toolVersion: 'web-console' };
    const sealed = await run(
      sealBidSteps({
        tenderId: v.tenderId,
        bidderOrganizationId: v.bidderOrganizationId,
        plaintext: { price: '100.50', currency: 'CNY' },
        escrowPublicKey: b(expected.escrowPublicKeyHex),
        client,
      }),
      port,
      sync,
    );
    const req = sealed.request;
    expect(req.client).toEqual(client);
    const opened = openBid({
      tenderId: v.tenderId,
      bidderOrganizationId: v.bidderOrganizationId,
      ciphertext: req.ciphertext,
      iv: req.iv,
      key: sealed.key,
      keyCommitment: req.keyCommitment,
    });
    expect(opened).toEqual({ price: '100.50', currency: 'CNY' });
    expect(unwrapEscrowedKey({ escrowedKey: req.escrowedKey!, escrowPrivateKey: b(v.escrowPrivateKeyHex) }).equals(Buffer.from(sealed.key))).toBe(true);
    const wrongKey = new Uint8Array(32).fill(9);
    await expect(
      run(
        openBidSteps({
          tenderId: v.tenderId,
          bidderOrganizationId: v.bidderOrganizationId,
          ciphertext: coreDecode(req.ciphertext),
          iv: coreDecode(req.iv),
          key: wrongKey,
          keyCommitment: req.keyCommitment,
        }),
        port,
        sync,
      ),
    ).rejects.toMatchObject({ code: 'KEY_COMMITMENT_MISMATCH' });
  });

  it('opens a bid sealed by the Node SDK; a tampered ciphertext is DECRYPTION_FAILED', async () => {
    const port = makePort();
    const sealed = sealBid({
      tenderId: v.tenderId,
      bidderOrganizationId: v.bidderOrganizationId,
      plaintext: { price: '7.00', currency: 'CNY', durationDays: 30 },
      client: { deviceId: 'd' },
    });
    const input = {
      tenderId: v.tenderId,
      bidderOrganizationId: v.bidderOrganizationId,
      ciphertext: coreDecode(sealed.request.ciphertext),
      iv: coreDecode(sealed.request.iv),
      key: coreDecode(sealed.key),
      keyCommitment: sealed.request.keyCommitment,
    };
    expect(await run(openBidSteps(input), port, sync)).toEqual({ price: '7.00', currency: 'CNY', durationDays: 30 });
    const tampered = new Uint8Array(input.ciphertext!);
    tampered[0] ^= 1;
    await expect(run(openBidSteps({ ...input, ciphertext: tampered }), port, sync)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });
});

describe('the WebCrypto port falls back only for what the browser lacks', () => {
  it('an algorithm answered NotSupportedError runs on noble; the others stay native', async () => {
    const calls: string[] = [];
    const lacking: SubtleLike = new Proxy(subtle, {
      get(target, prop: string) {
        const fn = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop].bind(target);
        return async (...args: unknown[]) => {
          const alg = JSON.stringify(args.find((a) => typeof a === 'object' && a !== null && 'name' in (a as object)) ?? args[0]);
          calls.push(`${prop}:${alg}`);
          if (/X25519/.test(alg)) throw Object.assign(new Error('Unrecognized name'), { name: 'NotSupportedError' });
          return fn(...args);
        };
      },
    });
    const port = createWebCryptoPort(lacking, nobleCrypto, (n) => nobleCrypto.randomBytes(n));
    const wrapped = await runAsync(
      wrapEscrowKeySteps({ key: b(v.keyHex), escrowPublicKey: b(expected.escrowPublicKeyHex), ephemeralPrivateKey: b(v.ephemeralPrivateKeyHex), iv2: b(v.iv2Hex) }),
      port,
    );
    expect(coreEncode(wrapped)).toBe(expected.escrowedKeyBase64);
    expect(port.usedFallback()).toEqual(['x25519']);
    expect(calls.some((c) => c.startsWith('encrypt:'))).toBe(true); // AES-GCM stayed native
  });

  it('a failed authentication is an error, not a reason to fall back', async () => {
    const port = web();
    const ct = await runAsync(encryptBidSteps({ ...v, key: b(v.keyHex), iv: b(v.ivHex) }), port);
    const bad = new Uint8Array(ct);
    bad[bad.length - 1] ^= 1;
    await expect(port.aesGcmDecrypt(b(v.keyHex), b(v.ivHex), bad, new Uint8Array(0))).rejects.toBeDefined();
    expect(port.usedFallback()).toEqual([]);
  });
});

describe('the portable base64 codec agrees with the strict Node decoder', () => {
  it.each(['', 'QQ==', 'QUI=', 'QUJD', 'QR==', 'QUJ=', 'QQ', 'QQ=', '====', 'Q Q=', 'QUJD\n', '5oqV5qCH'])('%j', (s) => {
    const node = decodeBase64Strict(s);
    const core = coreDecode(s);
    expect(core === null).toBe(node === null);
    if (node && core) expect(Buffer.from(core).equals(node)).toBe(true);
  });

  it('encodes random lengths like Buffer', () => {
    for (let n = 0; n < 70; n++) {
      const bytes: Bytes = nobleCrypto.randomBytes(n);
      expect(coreEncode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });

  it('keeps SealedBidError codes across ports', () => {
    try {
      runSync(keyCommitmentSteps(new Uint8Array(3)), nobleCrypto);
    } catch (e) {
      expect(isSealedBidError(e, 'INVALID_INPUT')).toBe(true);
      return;
    }
    throw new Error('no error');
  });
});
