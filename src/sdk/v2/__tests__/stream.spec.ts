/**
 * Format v2 round trips for both suites, on Node and on the browser's ports (WebCrypto, and the pure-JavaScript
 * fallback), and every way a sealed file can be damaged: flipped bit, reordered, truncated at a segment boundary,
 * cut inside a segment, extended, spliced from another bid, another tender; wrong key; escrow opening.
 */
import { createHash, randomBytes, webcrypto } from 'crypto';
import { generateEscrowKeyPair } from 'src/sdk';
import { nobleCrypto } from 'src/sdk/ports/noble';
import { createWebCryptoPort, type SubtleLike } from 'src/sdk/ports/webcrypto';
import {
  bidFileLength,
  ciphertextLengthFor,
  generateSm2KeyPair,
  gmSuite,
  intlSuite,
  isValidCiphertextLength,
  openBidV2,
  sealBidV2,
  type SealedBidV2,
  type SuiteId,
  type SuitePrimitives,
  unwrapEscrowedKeyV2,
  V2_TAG_BYTES,
} from 'src/sdk/v2';
import { nodeGmSuite, nodeSuite } from 'src/sdk/v2/node';
import { ORG, TENDER } from './_support';

const SEG = 4096;

const escrow = {
  'INTL-1': (() => {
    const k = generateEscrowKeyPair();
    return { privateKey: new Uint8Array(Buffer.from(k.privateKey, 'base64')), publicKey: new Uint8Array(Buffer.from(k.publicKey, 'base64')) };
  })(),
  'GM-1': generateSm2KeyPair(),
};

async function seal(suite: SuitePrimitives, data: Uint8Array, opts: { tenderId?: string; chunk?: number } = {}) {
  const segments: Uint8Array[] = [];
  const chunk = opts.chunk ?? 1000;
  const pieces = Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => data.subarray(i * chunk, (i + 1) * chunk));
  const sealed = await sealBidV2({
    suite,
    tenderId: opts.tenderId ?? TENDER,
    bidderOrganizationId: ORG,
    bid: { price: '1000.50', currency: 'CNY' },
    attachments: [{ name: 'a.bin', size: data.length, content: pieces }],
    escrowPublicKey: escrow[suite.id].publicKey,
    segmentSize: SEG,
    write: (s) => void segments.push(new Uint8Array(s)),
  });
  return { sealed, segments };
}

function open(suite: SuitePrimitives, s: SealedBidV2, sealed: Uint8Array[], key: Uint8Array | null = s.key, tenderId = TENDER) {
  return openBidV2({
    suite,
    tenderId,
    bidderOrganizationId: ORG,
    segmentSize: SEG,
    noncePrefix: Buffer.from(s.envelope.noncePrefix, 'base64'),
    keyCommitment: s.envelope.keyCommitment,
    key,
    sealed,
  });
}

const webPort = createWebCryptoPort(webcrypto.subtle as unknown as SubtleLike, nobleCrypto, (n) => randomBytes(n));
const jsOnlyPort = createWebCryptoPort(undefined, nobleCrypto, (n) => randomBytes(n));
const browserSuites: Record<SuiteId, Array<[string, SuitePrimitives]>> = {
  'INTL-1': [
    ['WebCrypto', intlSuite(webPort)],
    ['pure-JavaScript fallback', intlSuite(jsOnlyPort)],
  ],
  'GM-1': [['sm-crypto-v2', gmSuite()]],
};

/** The Node suites; GM-1 also on its sm-crypto-v2 fallback (what Node runs without SM4-GCM/SM3 in its OpenSSL). */
const nodeVariants: Array<[string, SuiteId, SuitePrimitives]> = [
  ['INTL-1', 'INTL-1', nodeSuite('INTL-1')],
  ['GM-1', 'GM-1', nodeSuite('GM-1')],
  ['GM-1 on the sm-crypto-v2 fallback', 'GM-1', nodeGmSuite({ native: false })],
];

describe.each(nodeVariants)('format v2, %s', (_label, suiteId, suite) => {
  const data = randomBytes(3 * SEG + 123);

  it('round-trips a multi-segment bid, from any chunking, and the escrow copy opens it too', async () => {
    const { sealed, segments } = await seal(suite, data, { chunk: 777 });
    expect(segments.length).toBeGreaterThan(3);
    expect(segments.slice(0, -1).every((s) => s.length === SEG + V2_TAG_BYTES)).toBe(true);
    expect(sealed.envelope.ciphertextLength).toBe(ciphertextLengthFor(sealed.plaintextLength, SEG));
    expect(isValidCiphertextLength(sealed.envelope.ciphertextLength, SEG)).toBe(true);
    const file = Buffer.concat(segments);
    const rechunked = Array.from({ length: Math.ceil(file.length / 999) }, (_, i) => file.subarray(i * 999, (i + 1) * 999));
    const opened = await open(suite, sealed, rechunked);
    expect(opened.price).toBe('1000.50');
    expect(opened.attachments).toEqual([{ name: 'a.bin', size: data.length, sha256: createHash('sha256').update(data).digest('hex') }]);

    const key = await unwrapEscrowedKeyV2(suite, Buffer.from(sealed.envelope.escrowedKey!, 'base64'), escrow[suiteId].privateKey, escrow[suiteId].publicKey);
    expect(Buffer.from(key).equals(Buffer.from(sealed.key))).toBe(true);
    const damaged = Buffer.from(sealed.envelope.escrowedKey!, 'base64');
    damaged[70] ^= 0x01; // flip one bit (setting a byte could leave it unchanged)
    await expect(unwrapEscrowedKeyV2(suite, damaged, escrow[suiteId].privateKey, escrow[suiteId].publicKey)).rejects.toMatchObject({ code: 'ESCROW_UNWRAP_FAILED' });
  });

  it('a plaintext of exactly n segments ends with a full last segment', async () => {
    // header + attachment = exactly 2 segments
    const size = [...Array(64).keys()]
      .map((k) => 2 * SEG - 40 - k)
      .find((n) => bidFileLength({ price: '1000.50', currency: 'CNY', attachments: [{ name: 'a.bin', size: n }] }) === 2 * SEG)!;
    const { sealed, segments } = await seal(suite, randomBytes(size));
    expect(sealed.plaintextLength).toBe(2 * SEG);
    expect(segments.map((s) => s.length)).toEqual([SEG + 16, SEG + 16]);
    expect((await open(suite, sealed, segments)).attachments[0].size).toBe(size);
    // and the empty plaintext is impossible (there is always a header), so the shortest file is one segment
    expect(isValidCiphertextLength(16, SEG)).toBe(true);
    expect(isValidCiphertextLength(SEG + 16 + 15, SEG)).toBe(false);
  });

  it.each([
    [
      'a flipped bit',
      (g: Uint8Array[]) => {
        const c = g.map((s) => new Uint8Array(s));
        c[1][5] ^= 1;
        return c;
      },
    ],
    ['two segments swapped', (g: Uint8Array[]) => [g[1], g[0], ...g.slice(2)]],
    ['truncated at a segment boundary', (g: Uint8Array[]) => g.slice(0, -1)],
    ['cut inside the last segment', (g: Uint8Array[]) => [...g.slice(0, -1), g[g.length - 1].subarray(0, 20)]],
    ['cut inside a tag', (g: Uint8Array[]) => [...g.slice(0, -1), g[g.length - 1].subarray(0, 5)]],
    ['an extra segment appended', (g: Uint8Array[]) => [...g, g[0]]],
    ['empty', () => []],
  ])('refuses a file with %s (DECRYPTION_FAILED)', async (_what, damage) => {
    const { sealed, segments } = await seal(suite, data);
    await expect(open(suite, sealed, damage(segments))).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('refuses a segment spliced in from another bid of the same bidder, and a bid moved to another tender', async () => {
    const a = await seal(suite, data);
    const b = await seal(suite, data);
    await expect(open(suite, a.sealed, [a.segments[0], b.segments[1], ...a.segments.slice(2)])).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(open(suite, a.sealed, a.segments, a.sealed.key, '11111111-2222-4333-8444-555555555555')).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('checks the key commitment before decrypting', async () => {
    const { sealed, segments } = await seal(suite, data);
    await expect(open(suite, sealed, segments, randomBytes(suite.keyBytes))).rejects.toMatchObject({ code: 'KEY_COMMITMENT_MISMATCH' });
    await expect(open(suite, sealed, segments, null)).rejects.toMatchObject({ code: 'KEY_COMMITMENT_MISMATCH' });
  });

  it('refuses an attachment whose bytes do not match its stated size when sealing', async () => {
    await expect(
      sealBidV2({
        suite,
        tenderId: TENDER,
        bidderOrganizationId: ORG,
        bid: { price: '1', currency: 'CNY' },
        attachments: [{ name: 'x', size: 10, content: [new Uint8Array(9)] }],
        write: () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  describe.each(browserSuites[suiteId])('the browser code (%s)', (_name, browserSuite) => {
    it('seals what Node opens, and opens what Node sealed', async () => {
      const fromBrowser = await seal(browserSuite, data);
      expect((await open(suite, fromBrowser.sealed, fromBrowser.segments)).attachments[0].size).toBe(data.length);
      const fromNode = await seal(suite, data);
      expect((await open(browserSuite, fromNode.sealed, fromNode.segments)).price).toBe('1000.50');
      const tampered = fromNode.segments.map((s) => new Uint8Array(s));
      tampered[0][0] ^= 1;
      await expect(open(browserSuite, fromNode.sealed, tampered)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
      const key = await unwrapEscrowedKeyV2(browserSuite, Buffer.from(fromNode.sealed.envelope.escrowedKey!, 'base64'), escrow[suiteId].privateKey, escrow[suiteId].publicKey);
      expect(Buffer.from(key).equals(Buffer.from(fromNode.sealed.key))).toBe(true);
    });
  });
});

it('the pure-JavaScript INTL-1 port really ran without WebCrypto', () => {
  expect(jsOnlyPort.usedFallback()).toEqual(expect.arrayContaining(['aes', 'sha']));
});

describe('the console entry point (src/sdk/v2/browser.ts)', () => {
  it('seals a Blob streamed in chunks with the browser suites, and Node opens it', async () => {
    const { browserSuite, blobChunks } = await import('src/sdk/v2/browser');
    const data = randomBytes(3 * SEG + 5);
    const blob = new Blob([data]);
    for (const suiteId of ['INTL-1', 'GM-1'] as SuiteId[]) {
      const segments: Uint8Array[] = [];
      const sealed = await sealBidV2({
        suite: browserSuite(suiteId),
        tenderId: TENDER,
        bidderOrganizationId: ORG,
        bid: { price: '7.00', currency: 'CNY' },
        attachments: [{ name: 'f.pdf', size: blob.size, content: blobChunks(blob) }],
        escrowPublicKey: escrow[suiteId].publicKey,
        segmentSize: SEG,
        write: (s) => void segments.push(new Uint8Array(s)),
      });
      const opened = await open(nodeSuite(suiteId), sealed, segments);
      expect(opened.attachments[0]).toMatchObject({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    }
  });
});
