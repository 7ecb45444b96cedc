import { basename } from 'path';
import { attachmentDigests } from '../attachments';
import { SEALED_BID_FORMAT_VERSION } from '../constants';
import { type BidAttachment, type BidPlaintext, isValidPrice } from '../plaintext';
import { sealBid } from '../seal';
import { checkOutputs, type CliCommand, CliError, type CliIo, EXIT_OK, parseOptions, readBytes, readJsonObject, writeOutput } from './cli-io';
import { normalizeId } from './ids';
import { keyFileText } from '../core/key-file';

const usage = `Usage: bid-seal seal --tender ID --org ORGID --price AMOUNT --out bid-request.json --key-out bid.key
                     [options]

Seals a bid offline (format v1) and writes the body of POST /api/v1/tenders/{ID}/bids and the bid key.

Required:
  --tender ID               the tender id (UUID); optional with --tender-json, which holds it
  --org ORGID               your organizationId (UUID of GET /api/v1/me), not your USCC
  --price AMOUNT            CNY, at most 2 decimals, e.g. 12345678.90
  --out FILE                where to write the request body (JSON)
  --key-out FILE            where to write the bid key (created with mode 0600)

Options:
  --duration-days N         the performance period in days
  --attachment FILE         a file to seal with the bid (repeatable; its name is the file's base name)
  --escrow-public-key B64   the tender's sealing.escrowPublicKey, to add an escrowedKey (ESCROW modes)
  --tender-json FILE        a saved GET /api/v1/tenders/{ID} response: gives the id and the escrow public key
  --device-id X             the client.deviceId (default: a stable id of this machine)
  --author NAME             the client.documentAuthor
  --force                   overwrite existing output files
  -h, --help                this help

Keep the key file secret until opening: without it (or an escrowed copy) the bid cannot be opened.`;

const options = {
  tender: { type: 'string' },
  org: { type: 'string' },
  price: { type: 'string' },
  'duration-days': { type: 'string' },
  attachment: { type: 'string', multiple: true },
  'escrow-public-key': { type: 'string' },
  'tender-json': { type: 'string' },
  'device-id': { type: 'string' },
  author: { type: 'string' },
  out: { type: 'string' },
  'key-out': { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function fromTenderJson(io: CliIo, path: string): { id?: string; escrowPublicKey: string } {
  const tender = readJsonObject(io, path, 'tender JSON');
  const sealing = tender.sealing as Record<string, unknown> | undefined;
  if (sealing?.version !== undefined && sealing.version !== SEALED_BID_FORMAT_VERSION) {
    throw new CliError(`tender JSON "${path}" asks for sealing ${String(sealing.version)}; this tool seals v1`);
  }
  if (typeof sealing?.escrowPublicKey !== 'string') {
    throw new CliError(`tender JSON "${path}" has no sealing.escrowPublicKey`);
  }
  return { id: typeof tender.id === 'string' ? tender.id : undefined, escrowPublicKey: sealing.escrowPublicKey };
}

function run(args: string[], io: CliIo): number {
  const v = parseOptions(args, options, 'seal');
  if (v.help) {
    io.stdout(`${usage}\n`);
    return EXIT_OK;
  }
  if (v['escrow-public-key'] !== undefined && v['tender-json'] !== undefined) {
    throw new CliError('give either --escrow-public-key or --tender-json, not both');
  }
  const tender = v['tender-json'] !== undefined ? fromTenderJson(io, v['tender-json']) : undefined;
  const tenderArg = v.tender ?? tender?.id;
  if (!tenderArg) throw new CliError('--tender is required (or a --tender-json holding the id)');
  const tenderId = normalizeId(tenderArg, '--tender');
  if (tender?.id !== undefined && normalizeId(tender.id, 'the tender JSON id') !== tenderId) {
    throw new CliError(`--tender ${tenderId} is not the tender in "${v['tender-json']}" (${tender.id})`);
  }
  if (!v.org) throw new CliError('--org is required');
  const bidderOrganizationId = normalizeId(v.org, '--org');
  if (!v.out || !v['key-out']) throw new CliError('--out and --key-out are required');
  checkOutputs(io, [v['key-out'], v.out], v.force ?? false);
  if (!isValidPrice(v.price)) {
    throw new CliError(`--price must be a CNY amount with at most 2 decimals, e.g. 12345678.90 (got ${v.price ?? 'nothing'})`);
  }
  const plaintext: BidPlaintext = { price: v.price, currency: 'CNY' };
  if (v['duration-days'] !== undefined) {
    if (!/^[1-9]\d{0,5}$/.test(v['duration-days'])) throw new CliError('--duration-days must be a positive integer');
    plaintext.durationDays = Number(v['duration-days']);
  }
  if (v.attachment?.length) {
    plaintext.attachments = v.attachment.map((file): BidAttachment => ({
      name: basename(file),
      contentBase64: readBytes(io, file, 'attachment').toString('base64'),
    }));
  }
  const sealed = sealBid({
    tenderId,
    bidderOrganizationId,
    plaintext,
    escrowPublicKey: v['escrow-public-key'] ?? tender?.escrowPublicKey,
    client: { deviceId: v['device-id'] || undefined, documentAuthor: v.author || undefined },
  });
  const keyFile = keyFileText({
    tenderId,
    bidderOrganizationId,
    keyCommitment: sealed.request.keyCommitment,
    ciphertextSha256: sealed.ciphertextSha256,
    createdAt: new Date().toISOString(),
    key: sealed.key,
  });
  const force = v.force ?? false;
  // The key first: a request on disk without its key would be a bid nobody can open.
  writeOutput(io, v['key-out'], keyFile, { mode: 0o600, force });
  writeOutput(io, v.out, `${JSON.stringify(sealed.request, null, 2)}\n`, { mode: 0o644, force });
  const lines = [
    `Sealed bid (format v1) for tender ${tenderId}, organisation ${bidderOrganizationId}`,
    `  request           ${v.out}  (body of POST /api/v1/tenders/${tenderId}/bids)`,
    `  key               ${v['key-out']}  (mode 0600; keep it secret, you need it at opening)`,
    `  keyCommitment     ${sealed.request.keyCommitment}`,
    `  ciphertextSha256  ${sealed.ciphertextSha256}`,
    `  escrowedKey       ${sealed.request.escrowedKey ? 'included' : 'not included (BIDDER decryption mode only)'}`,
    ...attachmentDigests(plaintext).map((a) => `  attachment        ${a.name}  ${a.size} bytes  sha256 ${a.sha256}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

export const sealCommand: CliCommand = {
  name: 'seal',
  summary: 'seal a bid offline (writes the request and the key)',
  usage,
  run,
};
