/**
 * `bid-seal verify-receipt` for both formats: a format v2 receipt (POST /bid-uploads/{id}/finalize,
 * docs/SEALED_BID_FORMAT.md v2.5) is checked against the envelope the bidder sent (seal-v2's --envelope-out) with the
 * suite's receipt key; any other receipt goes to the v1 command unchanged.
 */
import { base64DecodeStrict, type Bytes, toHex } from '../core/bytes';
import { ed25519SpkiFromPem } from '../core/format';
import { type BidReceiptV2, envelopeV2Bytes, isSuiteId, type SealedEnvelopeV2, type SuiteId, verifyReceiptV2 } from '../v2';
import { nodeSuite } from '../v2/node';
import { CliError, type CliIo, EXIT_FAILED, EXIT_OK, parseOptions, readJsonObject, readText, required } from './cli-io';
import { normalizeId } from './ids';
import { verifyReceiptCommand } from './verify-receipt.command';
import type { AsyncCliCommand } from './v2.commands';

const usage = `${verifyReceiptCommand.usage}

Format v2 (a receipt of POST /bid-uploads/{uploadId}/finalize, "formatVersion": 2):
  bid-seal verify-receipt --receipt receipt.json (--keys-json keys.json | --public-key FILE)
                          --tender ID --org ORGID --envelope bid-envelope.json
Checks the platform's signature over the v2 envelope: this tender and organisation, the file hash and length, the
nonce prefix, key commitment and escrowed key you sent, and the receipt's bidId, version and receivedAt.
  --envelope FILE    the envelope written by seal-v2 (--envelope-out), i.e. the body that created the upload
  --keys-json FILE   GET /api/v1/platform/keys: receiptPublicKey (INTL-1) or receiptPublicKeySm2 (GM-1)
  --public-key FILE  INTL-1: the Ed25519 receipt key (SPKI PEM); GM-1: the SM2 receipt key (hex 04‖x‖y)`;

const options = {
  receipt: { type: 'string' },
  'public-key': { type: 'string' },
  'keys-json': { type: 'string' },
  tender: { type: 'string' },
  org: { type: 'string' },
  request: { type: 'string' },
  envelope: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function receiptKey(io: CliIo, suite: SuiteId, pemFile?: string, keysJson?: string): Bytes {
  if ((pemFile === undefined) === (keysJson === undefined)) throw new CliError('give exactly one of --public-key and --keys-json');
  let text: string;
  if (pemFile !== undefined) text = readText(io, pemFile, 'public key').trim();
  else {
    const keys = readJsonObject(io, keysJson as string, 'keys JSON');
    const field = suite === 'GM-1' ? 'receiptPublicKeySm2' : 'receiptPublicKey';
    if (typeof keys[field] !== 'string') throw new CliError(`"${keysJson}" has no ${field} (needed for a ${suite} receipt)`);
    text = (keys[field] as string).trim();
  }
  try {
    if (suite === 'INTL-1') return ed25519SpkiFromPem(text);
    if (!/^04[0-9a-fA-F]{128}$/.test(text)) throw new Error('not 04‖x‖y');
    return Buffer.from(text, 'hex');
  } catch {
    throw new CliError(suite === 'INTL-1' ? 'the receipt public key is not an Ed25519 SPKI PEM' : 'the SM2 receipt public key is not hex 04‖x‖y (130 hex digits)');
  }
}

/** Why a receipt that does not verify fails, in the order a bidder can act on. */
async function reason(receipt: BidReceiptV2, envelope: SealedEnvelopeV2, tenderId: string, org: string): Promise<string> {
  if (receipt.suite !== envelope.suite) return `the receipt is for suite ${String(receipt.suite)}, the envelope for ${String(envelope.suite)}`;
  if (receipt.ciphertextHash !== envelope.ciphertextHash) {
    return `the receipt names file hash ${String(receipt.ciphertextHash)}, the envelope's is ${String(envelope.ciphertextHash)}`;
  }
  if (receipt.ciphertextLength !== envelope.ciphertextLength) {
    return `the receipt names ${String(receipt.ciphertextLength)} sealed bytes, the envelope ${String(envelope.ciphertextLength)}`;
  }
  if (receipt.escrowedKeyStored && !envelope.escrowedKey) return 'the receipt says an escrowed key was stored, the envelope has none';
  const noncePrefix = typeof envelope.noncePrefix === 'string' ? base64DecodeStrict(envelope.noncePrefix) : null;
  const escrowed = receipt.escrowedKeyStored && typeof envelope.escrowedKey === 'string' ? base64DecodeStrict(envelope.escrowedKey) : null;
  if (!noncePrefix || (receipt.escrowedKeyStored && !escrowed)) return 'the envelope has a malformed noncePrefix or escrowedKey';
  let bytes: Bytes;
  try {
    bytes = envelopeV2Bytes({
      bidId: receipt.bidId,
      version: receipt.version,
      tenderId,
      bidderOrganizationId: org,
      suite: envelope.suite,
      segmentSize: envelope.segmentSize,
      ciphertextLength: envelope.ciphertextLength,
      ciphertextHash: envelope.ciphertextHash,
      noncePrefix,
      keyCommitment: envelope.keyCommitment,
      escrowedKey: escrowed,
      receivedAt: receipt.receivedAt,
    });
  } catch (e) {
    return `the receipt's fields do not make a v2 envelope (${(e as Error).message})`;
  }
  if (toHex(await nodeSuite(envelope.suite).hash(bytes)) !== receipt.envelopeHash) {
    return "the receipt's envelopeHash is not the hash of the envelope for this tender, organisation, envelope and the receipt's bidId, version and receivedAt";
  }
  return `the envelope signature does not verify with the platform's ${envelope.suite} receipt key`;
}

export const verifyReceiptAnyCommand: AsyncCliCommand = {
  name: 'verify-receipt',
  summary: verifyReceiptCommand.summary,
  usage,
  async run(args, io) {
    const v = parseOptions(args, options, 'verify-receipt');
    if (v.help) {
      io.stdout(`${usage}\n`);
      return EXIT_OK;
    }
    const file = readJsonObject(io, required(v.receipt, '--receipt', 'verify-receipt'), 'receipt');
    const receipt = (typeof file.receipt === 'object' && file.receipt !== null ? file.receipt : file) as BidReceiptV2;
    if (receipt.formatVersion !== 2) {
      if (v.envelope !== undefined) throw new CliError('--envelope is for format v2 receipts; this receipt is v1 (give --request)');
      return verifyReceiptCommand.run(args, io);
    }
    if (v.request !== undefined) throw new CliError("a format v2 receipt is checked against --envelope (seal-v2's --envelope-out), not --request");
    if (!isSuiteId(receipt.suite)) throw new CliError(`the receipt names no known suite (${String(receipt.suite)})`);
    const envelope = readJsonObject(io, required(v.envelope, '--envelope', 'verify-receipt'), 'envelope') as unknown as SealedEnvelopeV2;
    const tenderId = normalizeId(required(v.tender, '--tender', 'verify-receipt'), '--tender');
    const org = normalizeId(required(v.org, '--org', 'verify-receipt'), '--org');
    const receiptPublicKey = receiptKey(io, receipt.suite, v['public-key'], v['keys-json']);
    const ok = await verifyReceiptV2({ suite: nodeSuite(receipt.suite), receipt, tenderId, bidderOrganizationId: org, envelope, receiptPublicKey });
    if (!ok) {
      io.stdout('invalid\n');
      io.stderr(`${await reason(receipt, envelope, tenderId, org)}\n`);
      return EXIT_FAILED;
    }
    io.stdout('valid\n');
    return EXIT_OK;
  },
};
