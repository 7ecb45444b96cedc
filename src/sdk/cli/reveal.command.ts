import { keyCommitment } from '../commitment';
import { type CliCommand, type CliIo, EXIT_FAILED, EXIT_OK, parseOptions, readJsonObject, required } from './cli-io';
import { readKeyFile } from './key-file';

const usage = `Usage: bid-seal reveal --key bid.key [--request bid-request.json]

Prints the body of POST /api/v1/tenders/{ID}/bids/{bidId}/decryption: {"key":"<base64>"}. Only during the
decryption window at opening: before the deadline nobody, the platform included, should see the key.

  --key FILE         the key file written by "bid-seal seal" (or a file holding the base64 key)
  --request FILE     check first that the key matches this request's keyCommitment
  -h, --help         this help

Exit codes: 0 printed; 1 the key does not match the request; 2 usage or unreadable input.`;

const options = {
  key: { type: 'string' },
  request: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function run(args: string[], io: CliIo): number {
  const v = parseOptions(args, options, 'reveal');
  if (v.help) {
    io.stdout(`${usage}\n`);
    return EXIT_OK;
  }
  const { key } = readKeyFile(io, required(v.key, '--key', 'reveal'));
  if (v.request !== undefined) {
    const request = readJsonObject(io, v.request, 'request');
    if (request.keyCommitment !== keyCommitment(key)) {
      io.stderr(`KEY_COMMITMENT_MISMATCH: this key is not the one committed in "${v.request}"\n`);
      return EXIT_FAILED;
    }
  }
  io.stdout(`${JSON.stringify({ key: key.toString('base64') })}\n`);
  return EXIT_OK;
}

export const revealCommand: CliCommand = {
  name: 'reveal',
  summary: 'print the decryption request body {"key"}',
  usage,
  run,
};
