import { ciphertextSha256 } from '../encoding';
import { type BidReceipt, verifyReceipt } from '../receipt';
import { type CliCommand, CliError, type CliIo, EXIT_FAILED, EXIT_OK, parseOptions, readJsonObject, readText, required } from './cli-io';
import { normalizeId } from './ids';

const usage = `Usage: bid-seal verify-receipt --receipt receipt.json
                               (--public-key platform-key.pem | --keys-json keys.json)
                               --tender ID --org ORGID --request bid-request.json

Checks the platform's Ed25519 signature on a bid receipt, for this tender, organisation and request (its
keyCommitment, and the SHA-256 of its ciphertext). Prints "valid" (exit 0) or "invalid" (exit 1).

  --receipt FILE     the 201 response of POST /bids (or GET /bids/mine, holding it under "receipt")
  --public-key FILE  the platform's receipt public key (SPKI PEM)
  --keys-json FILE   a saved GET /api/v1/platform/keys response ({ "receiptPublicKey": PEM })
  --tender ID        the tender id
  --org ORGID        your organizationId
  --request FILE     the request body that was submitted
  -h, --help         this help

Exit codes: 0 valid; 1 invalid; 2 usage or unreadable input.`;

const options = {
  receipt: { type: 'string' },
  'public-key': { type: 'string' },
  'keys-json': { type: 'string' },
  tender: { type: 'string' },
  org: { type: 'string' },
  request: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function publicKey(io: CliIo, pemFile?: string, keysJson?: string): string {
  if ((pemFile === undefined) === (keysJson === undefined)) {
    throw new CliError('give exactly one of --public-key and --keys-json');
  }
  if (pemFile !== undefined) return readText(io, pemFile, 'public key');
  const keys = readJsonObject(io, keysJson as string, 'keys JSON');
  if (typeof keys.receiptPublicKey !== 'string') throw new CliError(`"${keysJson}" has no receiptPublicKey`);
  return keys.receiptPublicKey;
}

function run(args: string[], io: CliIo): number {
  const v = parseOptions(args, options, 'verify-receipt');
  if (v.help) {
    io.stdout(`${usage}\n`);
    return EXIT_OK;
  }
  const file = readJsonObject(io, required(v.receipt, '--receipt', 'verify-receipt'), 'receipt');
  const receipt = (typeof file.receipt === 'object' && file.receipt !== null ? file.receipt : file) as BidReceipt;
  const pem = publicKey(io, v['public-key'], v['keys-json']);
  const tenderId = normalizeId(required(v.tender, '--tender', 'verify-receipt'), '--tender');
  const bidderOrganizationId = normalizeId(required(v.org, '--org', 'verify-receipt'), '--org');
  const request = readJsonObject(io, required(v.request, '--request', 'verify-receipt'), 'request');
  if (typeof request.keyCommitment !== 'string' || typeof request.ciphertext !== 'string') {
    throw new CliError('the request has no keyCommitment or ciphertext');
  }
  const sentSha256 = ciphertextSha256(request.ciphertext);
  if (receipt.ciphertextSha256 !== sentSha256) {
    io.stdout('invalid\n');
    io.stderr(`the receipt names ciphertext SHA-256 ${String(receipt.ciphertextSha256)}, the request's is ${sentSha256}\n`);
    return EXIT_FAILED;
  }
  const ok = verifyReceipt({
    receipt,
    tenderId,
    bidderOrganizationId,
    keyCommitment: request.keyCommitment,
    receiptPublicKeyPem: pem,
    ciphertext: request.ciphertext,
    // The v1 receipt extension, when the receipt carries it, covers the iv and escrowed key as sent.
    ...(typeof request.iv === 'string' ? { iv: request.iv } : {}),
    escrowedKey: typeof request.escrowedKey === 'string' ? request.escrowedKey : null,
  });
  if (!ok) {
    io.stdout('invalid\n');
    io.stderr('the signature does not verify for this tender, organisation, request and platform key\n');
    return EXIT_FAILED;
  }
  io.stdout('valid\n');
  return EXIT_OK;
}

export const verifyReceiptCommand: CliCommand = {
  name: 'verify-receipt',
  summary: "check the platform's signature on a bid receipt",
  usage,
  run,
};
