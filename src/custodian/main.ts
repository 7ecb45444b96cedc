import { readFileSync } from 'fs';
import { resolve } from 'path';
import { parseArgs } from 'util';
import { localSecret } from 'src/infra/config/local-secrets';
import { createCustodianServer } from './custodian-server';

/**
 * `npm run custodian -- --name notary-office --dir /srv/custodian --port 4102` — one remote escrow custodian
 * (issue 17; docs/SECURITY.md, "Threshold escrow" › "Remote custodians"). Options (command line only: this program is
 * not the platform and reads none of its configuration):
 *   --name      supervision-authority | notary-office
 *   --dir       its own folder (keys, shares, releases.log); default ./.data/custodian-<name>
 *   --host      default 127.0.0.1;  --port  default 0 (any free port; the first line printed says which)
 *   --auth-key-file  the key registered with the platform (base64, 32 bytes); default <dir>/secrets/platform-auth.key,
 *               generated on first start — give its content to the platform as ESCROW_CUSTODIAN_AUTH_KEYS
 *   --min-notice-ms  a move of the release instant earlier must leave at least this much time (default 0)
 * It also answers as the blind-index oracle (its key and per-tender lookup logs under <dir>/blind-index-oracle/; the
 * platform asks the notary office's). Prints one JSON line `{ listening, name, publicKey, authKeyFile }` when ready,
 * then one line per request (for a blind-index batch: tender, purpose and count — never the ids).
 */
function main(): void {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      dir: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'auth-key-file': { type: 'string' },
      'min-notice-ms': { type: 'string', default: '0' },
    },
  });
  const name = values.name;
  if (!name || !['supervision-authority', 'notary-office'].includes(name)) throw new Error('--name must be supervision-authority or notary-office');
  const dir = resolve(values.dir ?? `.data/custodian-${name}`);
  const authKeyFile = resolve(values['auth-key-file'] ?? `${dir}/secrets/platform-auth.key`);
  const authKey = values['auth-key-file'] ? Buffer.from(readFileSync(authKeyFile, 'utf8').trim(), 'base64') : localSecret('platform-auth', dir);
  if (authKey.length !== 32) throw new Error(`${authKeyFile}: must hold 32 bytes, base64`);
  const minNoticeForEarlierMs = Number(values['min-notice-ms']);
  if (!Number.isInteger(minNoticeForEarlierMs) || minNoticeForEarlierMs < 0) throw new Error('--min-notice-ms must be a non-negative integer');

  const log = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), name, ...line })}\n`);
  const server = createCustodianServer({ name, dir, authKey, minNoticeForEarlierMs, log });
  server.listen(Number(values.port), values.host, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : Number(values.port);
    process.stdout.write(`${JSON.stringify({ listening: port, host: values.host, name, publicKey: server.custodianPublicKey, dir, authKeyFile })}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
