/**
 * Format v2's documented vectors, and each suite checked against an independent implementation: node:crypto
 * (OpenSSL) for AES-256-GCM, SM4-GCM, SHA-256 and SM3; a textbook BigInt SM2 decryption for the GM-1 escrow wrap;
 * the OpenSSL CLI for SM2 signatures. GM-1's SM4-GCM and SM3 on Node are node:crypto's themselves when present
 * (src/sdk/v2/node.ts): the GM-1 block is therefore also recomputed with sm-crypto-v2 (the fallback, the browser's).
 */
import { execFileSync } from 'child_process';
import { createDecipheriv, createHash, createPublicKey, verify } from 'crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { fromHex } from 'src/sdk/core/bytes';
import { openBidV2, type SuiteId } from 'src/sdk/v2';
import { gmSuite } from 'src/sdk/v2';
import { nodeGmSuite, nodeSuite } from 'src/sdk/v2/node';
import { attachmentBytes, computeVectorV2, computeVectorsV2, VECTOR_V2_COMMON, VECTOR_V2_INPUTS } from './test-vector-v2';

const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'SEALED_BID_FORMAT.md');
const b = (hex: string) => Buffer.from(hex, 'hex');

function documented() {
  const m = /<!-- test-vector-v2:begin -->\s*```json\n([\s\S]*?)\n```\s*<!-- test-vector-v2:end -->/.exec(readFileSync(DOC, 'utf8'));
  if (!m) throw new Error('docs/SEALED_BID_FORMAT.md has no v2 test-vector block');
  return JSON.parse(m[1]);
}

// ── an independent SM2 (GB/T 32918) in BigInt: affine arithmetic on the recommended curve ──────────────────────
const P = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF');
const A = P - 3n;
const G: [bigint, bigint] = [
  BigInt('0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7'),
  BigInt('0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0'),
];
const mod = (x: bigint) => ((x % P) + P) % P;
function inv(x: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(x), P, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0);
}
type Pt = [bigint, bigint] | null;
function add(p: Pt, q: Pt): Pt {
  if (!p) return q;
  if (!q) return p;
  if (p[0] === q[0] && mod(p[1] + q[1]) === 0n) return null;
  const l = p[0] === q[0] && p[1] === q[1] ? mod((3n * p[0] * p[0] + A) * inv(2n * p[1])) : mod((q[1] - p[1]) * inv(q[0] - p[0]));
  const x = mod(l * l - p[0] - q[0]);
  return [x, mod(l * (p[0] - x) - p[1])];
}
function mul(k: bigint, p: Pt): Pt {
  let r: Pt = null;
  for (let q = p; k > 0n; k >>= 1n, q = add(q, q)) if (k & 1n) r = add(r, q);
  return r;
}
const be32 = (x: bigint) => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
const sm3 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sm3')).digest();
function sm2DecryptIndependent(c: Buffer, d: bigint, klen: number): Buffer {
  const c1: Pt = [BigInt('0x' + c.subarray(1, 33).toString('hex')), BigInt('0x' + c.subarray(33, 65).toString('hex'))];
  const c3 = c.subarray(65, 97);
  const c2 = c.subarray(97);
  const [x2, y2] = mul(d, c1)!;
  const t = Buffer.alloc(klen);
  for (let ct = 1, at = 0; at < klen; ct++, at += 32) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(ct);
    sm3(be32(x2), be32(y2), counter).copy(t, at);
  }
  const m = Buffer.from(c2.map((v, i) => v ^ t[i]));
  if (!sm3(be32(x2), m, be32(y2)).equals(c3)) throw new Error('C3 mismatch');
  return m;
}

function openSslHasSm2(): boolean {
  try {
    return /SM2/i.test(execFileSync('openssl', ['list', '-public-key-algorithms'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

describe('format v2 test vectors', () => {
  let computed: Awaited<ReturnType<typeof computeVectorsV2>>;
  beforeAll(async () => {
    computed = await computeVectorsV2();
  });

  it('the documented block is exactly what the SDK computes', () => {
    expect(documented()).toEqual(JSON.parse(JSON.stringify(computed)));
  });

  it('node:crypto (OpenSSL) has sm3 and sm4-gcm in this Node, for the cross-checks below', async () => {
    const { getCiphers, getHashes } = await import('crypto');
    expect(getHashes()).toContain('sm3');
    expect(getCiphers()).toContain('sm4-gcm');
  });

  // GM-1 on Node runs SM4-GCM and SM3 on node:crypto; the fallback (sm-crypto-v2, as in the browser) must compute the
  // very same block.
  it.each([
    ['the Node fallback (sm-crypto-v2)', () => nodeGmSuite({ native: false })],
    ['the browser suite (sm-crypto-v2)', () => gmSuite()],
  ])('the documented GM-1 block is also what %s computes', async (_name, suite) => {
    expect(nodeSuite('GM-1').seal).not.toBe(suite().seal); // the default really is the other path
    expect(JSON.parse(JSON.stringify(await computeVectorV2('GM-1', suite())))).toEqual(documented()['GM-1'].outputs);
  });

  for (const suiteId of ['INTL-1', 'GM-1'] as SuiteId[]) {
    describe(suiteId, () => {
      const cipher = suiteId === 'INTL-1' ? 'aes-256-gcm' : 'sm4-gcm';
      const hash = suiteId === 'INTL-1' ? 'sha256' : 'sm3';
      const H = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash(hash)).digest();

      /** The segments rebuilt from the documented outputs by decrypting with node:crypto alone. */
      it('each segment, the file hash and the commitment are reproduced with node:crypto alone', async () => {
        const out = documented()[suiteId].outputs;
        const key = b(VECTOR_V2_INPUTS[suiteId].keyHex);
        // Re-seal the plaintext with node:crypto (independent of the SDK) and compare segment by segment.
        const c = VECTOR_V2_COMMON;
        const header = Buffer.from(JSON.stringify({ ...c.bid, attachments: [{ name: c.attachment.name, size: c.attachment.size }] }), 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(header.length);
        const plaintext = Buffer.concat([len, header, Buffer.from(attachmentBytes())]);
        expect(plaintext.length).toBe(out.plaintextLength);
        const sealed: Buffer[] = [];
        for (let i = 0, at = 0; at < plaintext.length; i++, at += c.segmentSize) {
          const last = at + c.segmentSize >= plaintext.length;
          const nonce = Buffer.concat([b(c.noncePrefixHex), Buffer.from([0, 0, 0, i]), Buffer.from([last ? 1 : 0])]);
          expect(nonce.toString('hex')).toBe(out.segments[i].nonceHex);
          const ci = createCipheriv(cipher as 'aes-256-gcm', key, nonce);
          ci.setAAD(Buffer.from(out.aad, 'utf8'));
          const s = Buffer.concat([ci.update(plaintext.subarray(at, at + c.segmentSize)), ci.final(), ci.getAuthTag()]);
          expect(s.length).toBe(out.segments[i].sealedLength);
          expect(s.subarray(-16).toString('hex')).toBe(out.segments[i].tagHex);
          expect(s.subarray(0, 16).toString('hex')).toBe(out.segments[i].firstSealedBytesHex);
          expect(H(s).toString('hex')).toBe(out.segments[i].sealedHash);
          sealed.push(s);
        }
        expect(sealed).toHaveLength(out.segments.length);
        expect(Buffer.concat(sealed).length).toBe(out.ciphertextLength);
        const fileHash = H(Buffer.from(`bid-file-v2|${suiteId}`, 'utf8'), ...sealed.map((s) => H(s)));
        expect(fileHash.toString('hex')).toBe(out.ciphertextHash);
        expect(H(Buffer.from(`bid-key-v2|${suiteId}`, 'utf8'), key).toString('hex')).toBe(out.keyCommitment);
        expect(H(Buffer.from(out.envelopeUtf8, 'utf8')).toString('hex')).toBe(out.envelopeHash);

        // And the SDK opens what node:crypto sealed (GM-1: on node:crypto and on the sm-crypto-v2 fallback).
        const opens = async (suite: ReturnType<typeof nodeSuite>) =>
          openBidV2({
            suite,
            tenderId: c.tenderId,
            bidderOrganizationId: c.bidderOrganizationId,
            segmentSize: c.segmentSize,
            ciphertextLength: out.ciphertextLength,
            noncePrefix: b(c.noncePrefixHex),
            keyCommitment: out.keyCommitment,
            key,
            sealed: sealed,
          });
        const opened = await opens(nodeSuite(suiteId));
        if (suiteId === 'GM-1') expect(await opens(nodeGmSuite({ native: false }))).toEqual(opened);
        expect(opened).toEqual({
          price: c.bid.price,
          currency: 'CNY',
          durationDays: 180,
          attachments: [{ name: c.attachment.name, size: 5000, sha256: createHash('sha256').update(attachmentBytes()).digest('hex') }],
        });
      });

      it('a segment opened with a forged last flag does not authenticate (node:crypto)', async () => {
        const out = documented()[suiteId].outputs;
        const c = VECTOR_V2_COMMON;
        const key = b(VECTOR_V2_INPUTS[suiteId].keyHex);
        const d = createDecipheriv(cipher as 'aes-256-gcm', key, b(out.segments[0].nonceHex.slice(0, -2) + '01')); // last flag forged
        d.setAAD(Buffer.from(out.aad, 'utf8'));
        d.setAuthTag(b(out.segments[0].tagHex));
        d.update(Buffer.alloc(0));
        expect(() => d.final()).toThrow();
        void c;
      });
    });
  }

  it('INTL-1: the escrowed key is v1 §4 (RFC 7748 keys) and the receipt signature is Ed25519 (node:crypto)', () => {
    const out = documented()['INTL-1'].outputs;
    expect(out.escrowPublicKeyHex).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    // The v1 vector's escrowedKey wrapped the same key with the same ephemeral key and iv2.
    expect(out.escrowedKeyBase64).toBe('3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08PDg0MCwoJCAcGBQTZ/EL8rof5prwWzwuiU2mm6aAJ3ldXKKHJ5pUhpxzHQvchtsrlezyB9PPmtvHANIQ=');
    const ok = verify(null, Buffer.from(out.envelopeUtf8, 'utf8'), createPublicKey(out.receiptPublicKey), Buffer.from(out.envelopeSignatureBase64, 'base64'));
    expect(ok).toBe(true);
  });

  it('GM-1: the escrow key pair is the GM/T 0003.5 sample, and an independent SM2 decryption yields the bid key', () => {
    const out = documented()['GM-1'].outputs;
    const inp = VECTOR_V2_INPUTS['GM-1'];
    const d = BigInt('0x' + inp.escrowSm2PrivateKeyHex);
    const [x, y] = mul(d, G)!;
    expect('04' + be32(x).toString('hex') + be32(y).toString('hex')).toBe(out.escrowPublicKeyHex);
    expect(out.escrowPublicKeyHex.slice(2, 10)).toBe('09f9df31');
    const escrowed = Buffer.from(out.escrowedKeyBase64, 'base64');
    expect(escrowed.length).toBe(113);
    expect(sm2DecryptIndependent(escrowed, d, 16).toString('hex')).toBe(inp.keyHex);
    const tampered = Buffer.from(escrowed);
    tampered[100] ^= 1;
    expect(() => sm2DecryptIndependent(tampered, d, 16)).toThrow('C3 mismatch');
  });

  it('GM-1: the SDK unwraps the documented escrowed key and verifies the documented signature', async () => {
    const out = documented()['GM-1'].outputs;
    const suite = nodeSuite('GM-1');
    const key = await suite.unwrapKey(Buffer.from(out.escrowedKeyBase64, 'base64'), b(VECTOR_V2_INPUTS['GM-1'].escrowSm2PrivateKeyHex), b(out.escrowPublicKeyHex));
    expect(Buffer.from(key).toString('hex')).toBe(VECTOR_V2_INPUTS['GM-1'].keyHex);
    const msg = Buffer.from(out.envelopeUtf8, 'utf8');
    const sig = Buffer.from(out.envelopeSignatureBase64, 'base64');
    expect(await suite.verifySignature(b(out.receiptPublicKey), msg, sig)).toBe(true);
    expect(await suite.verifySignature(b(out.receiptPublicKey), Buffer.concat([msg, Buffer.from('x')]), sig)).toBe(false);
  });

  (openSslHasSm2() ? it : it.skip)('GM-1: the OpenSSL CLI verifies the SM2 receipt signature (id 1234567812345678) and refuses a changed envelope', () => {
    const out = documented()['GM-1'].outputs;
    const dir = mkdtempSync(join(tmpdir(), 'sm2-'));
    const der = Buffer.concat([b('3059301306072a8648ce3d020106082a811ccf5501822d034200'), b(out.receiptPublicKey)]);
    writeFileSync(join(dir, 'pub.pem'), `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`);
    writeFileSync(join(dir, 'sig'), Buffer.from(out.envelopeSignatureBase64, 'base64'));
    const run = (msg: string) => {
      writeFileSync(join(dir, 'msg'), msg, 'utf8');
      try {
        execFileSync(
          'openssl',
          [
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            join(dir, 'pub.pem'),
            '-rawin',
            '-in',
            join(dir, 'msg'),
            '-sigfile',
            join(dir, 'sig'),
            '-digest',
            'sm3',
            '-pkeyopt',
            'distid:1234567812345678',
          ],
          { stdio: 'pipe' },
        );
        return true;
      } catch {
        return false;
      }
    };
    expect(run(out.envelopeUtf8)).toBe(true);
    expect(run(out.envelopeUtf8.replace('|GM-1|', '|INTL-1|'))).toBe(false);
  });
});

import { createCipheriv } from 'crypto';
void fromHex;
