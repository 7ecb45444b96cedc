import { attachmentDigests } from '../attachments';
import { isSealedBidError } from '../errors';
import { openBid } from '../open';
import { type CliCommand, CliError, type CliIo, EXIT_FAILED, EXIT_OK, parseOptions, readJsonObject, required } from './cli-io';
import { normalizeId } from './ids';
import { readKeyFile } from './key-file';

const usage = `Usage: bid-seal open --request bid-request.json --key bid.key [--tender ID --org ORGID] [--summary]

Decrypts your own sealed bid locally, exactly as the platform will at opening, and prints its plaintext (JSON).
Use it before submitting to check that the bid opens with this key, tender and organisation.

  --request FILE     the request body written by "bid-seal seal"
  --key FILE         the key file written by "bid-seal seal" (or a file holding the base64 key)
  --tender ID        the tender id (default: the one recorded in the key file)
  --org ORGID        your organizationId (default: the one recorded in the key file)
  --summary          print attachments as name, size and SHA-256 instead of their content
  -h, --help         this help

Exit codes: 0 opened; 1 KEY_COMMITMENT_MISMATCH or DECRYPTION_FAILED; 2 usage or unreadable input.`;

const options = {
  request: { type: 'string' },
  key: { type: 'string' },
  tender: { type: 'string' },
  org: { type: 'string' },
  summary: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function run(args: string[], io: CliIo): number {
  const v = parseOptions(args, options, 'open');
  if (v.help) {
    io.stdout(`${usage}\n`);
    return EXIT_OK;
  }
  const request = readJsonObject(io, required(v.request, '--request', 'open'), 'request');
  const key = readKeyFile(io, required(v.key, '--key', 'open'));
  const tender = v.tender ?? key.tenderId;
  const org = v.org ?? key.bidderOrganizationId;
  if (!tender || !org) throw new CliError('--tender and --org are required (the key file does not record them)');
  for (const f of ['ciphertext', 'iv', 'keyCommitment'] as const) {
    if (typeof request[f] !== 'string') throw new CliError(`the request has no "${f}"`);
  }
  try {
    const plaintext = openBid({
      tenderId: normalizeId(tender, '--tender'),
      bidderOrganizationId: normalizeId(org, '--org'),
      ciphertext: request.ciphertext as string,
      iv: request.iv as string,
      keyCommitment: request.keyCommitment as string,
      key: key.key,
    });
    const shown = v.summary ? { ...plaintext, attachments: attachmentDigests(plaintext) } : plaintext;
    io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
    return EXIT_OK;
  } catch (e) {
    if (isSealedBidError(e, 'KEY_COMMITMENT_MISMATCH') || isSealedBidError(e, 'DECRYPTION_FAILED')) {
      io.stderr(`${e.code}: ${e.message}\n`);
      return EXIT_FAILED;
    }
    throw e;
  }
}

export const openCommand: CliCommand = {
  name: 'open',
  summary: 'decrypt your own bid locally and print it',
  usage,
  run,
};
