import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import {
  checkRequest,
  type CustodianErrorCode,
  type DepositBody,
  H_RESPONSE_MAC,
  NonceCache,
  openDeposit,
  type ReleaseBody,
  type RescheduleBody,
  sealToRecipient,
  signResponse,
  type WireRelease,
} from 'src/modules/custody/custodian-protocol';
import { CustodianRefusal, DEPOSIT_ID, SECRET_ID } from 'src/modules/custody/escrow-custodian';
import { checkQueries, FileBlindIndexOracle } from 'src/modules/custody/blind-index-oracle';
import { join } from 'path';
import { FileEscrowCustodian } from 'src/modules/custody/local-custodians';

export interface CustodianServerOptions {
  /** `supervision-authority` or `notary-office` (the name it signs its releases with). */
  name: string;
  /**
   * Its own folder: storage key, signing key, shares, releases.log (FileEscrowCustodian's layout); the blind-index
   * oracle's key and per-tender lookup logs under `blind-index-oracle/`.
   */
  dir: string;
  /** The key registered with the platform (32 bytes): authenticates the platform's requests and this server's answers. */
  authKey: Buffer;
  /** Its own clock. */
  clock?: () => Date;
  /** A move of the release instant earlier must leave at least this much time from its own now (default 0: never into the past). */
  minNoticeForEarlierMs?: number;
  /** One JSON line per request (default: none). */
  log?: (line: Record<string, unknown>) => void;
}

const MAX_BODY = 16 * 1024;
/** A blind-index batch of a "my bids" listing or an inbox carries one query per tender with sealed bids. */
const MAX_BLIND_INDEX_BODY = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: CustodianErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string) => new HttpError(400, 'BAD_REQUEST', message);
function isoDate(v: unknown, what: string): Date {
  const d = typeof v === 'string' ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString() !== v) throw bad(`${what} must be an ISO-8601 instant`);
  return d;
}
function reference(b: Record<string, unknown>): { tenderId: string; secretId: string; depositId?: string } {
  if (typeof b.tenderId !== 'string' || !UUID.test(b.tenderId)) throw bad('tenderId must be a UUID');
  if (typeof b.secretId !== 'string' || !SECRET_ID.test(b.secretId)) throw bad('secretId is not a secret id');
  if (b.depositId !== undefined && (typeof b.depositId !== 'string' || !DEPOSIT_ID.test(b.depositId))) throw bad('depositId must be 32 hex digits');
  return { tenderId: b.tenderId, secretId: b.secretId, ...(b.depositId ? { depositId: b.depositId } : {}) };
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new HttpError(413, 'BAD_REQUEST', 'body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A remote escrow custodian (issue 17; protocol: src/modules/custody/custodian-protocol.ts): the development
 * FileEscrowCustodian on its own folder, keys and clock, behind node:http, for the supervision authority or the notary
 * office to run on their own machine. It decides releases by its own clock, signs them, keeps its releases.log, and
 * answers only requests authenticated with the key registered with the platform.
 */
export function createCustodianServer(opts: CustodianServerOptions): Server & { custodianPublicKey: string } {
  const clock = opts.clock ?? (() => new Date());
  const custodian = new FileEscrowCustodian(opts.name, opts.dir, new CryptoService(), clock, opts.minNoticeForEarlierMs ?? 0);
  const nonces = new NonceCache();
  const startedAt = clock().getTime();
  const publicKey = custodian.publicKey();
  const oracle = new FileBlindIndexOracle(opts.name, join(opts.dir, 'blind-index-oracle'), clock);

  /** `ctx.nonce`: set once the request is authenticated (only then is the answer MACed, refusals included). */
  const handle = async (req: IncomingMessage, body: Buffer, ctx: { nonce?: string }): Promise<{ status: number; json: unknown }> => {
    const path = new URL(req.url ?? '/', 'http://custodian').pathname;
    if (req.method === 'GET' && path === '/v1/public-key') return { status: 200, json: { name: opts.name, publicKey } };
    if (req.method !== 'POST' || !['/v1/deposit', '/v1/reschedule', '/v1/release', '/v1/blind-indexes', '/v1/blind-index-lookups'].includes(path))
      throw new HttpError(404, 'NOT_FOUND', `no ${req.method} ${path}`);
    const auth = checkRequest(opts.authKey, { method: req.method, path, body, header: (h) => req.headers[h] as string | undefined }, clock(), nonces, startedAt);
    if (!auth.ok) throw new HttpError(401, auth.code, `request refused: ${auth.code}`);
    ctx.nonce = auth.nonce;
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(body.toString('utf8'));
    } catch {
      throw bad('body must be JSON');
    }
    if (!b || typeof b !== 'object') throw bad('body must be a JSON object');
    if (path === '/v1/blind-indexes') {
      let queries;
      try {
        queries = checkQueries((b as { queries?: unknown }).queries);
      } catch (e) {
        throw bad((e as Error).message);
      }
      const indexes = await oracle.indexes(queries);
      // Its own log too: how many per tender and purpose, never the ids.
      opts.log?.({ event: 'BLIND_INDEXES', lookups: queries.map((q) => ({ tenderId: q.tenderId, purpose: q.purpose, count: q.ids.length })) });
      return { status: 200, json: { indexes } };
    }
    if (path === '/v1/blind-index-lookups') {
      if (typeof b.tenderId !== 'string' || !UUID.test(b.tenderId)) throw bad('tenderId must be a UUID');
      const lookups = await oracle.lookups(b.tenderId);
      opts.log?.({ event: 'BLIND_INDEX_LOOKUPS', tenderId: b.tenderId, total: lookups.total });
      return { status: 200, json: lookups };
    }
    const ref = reference(b);
    if (path === '/v1/deposit') {
      const d = b as unknown as DepositBody;
      if (!Number.isInteger(d.shareIndex) || d.shareIndex < 1 || d.shareIndex > 255) throw bad('shareIndex must be 1..255');
      const notBefore = isoDate(d.notBefore, 'notBefore');
      if (typeof d.sealedShare !== 'string') throw bad('sealedShare missing');
      let share: Buffer;
      try {
        share = openDeposit(opts.authKey, opts.name, { ...d, ...ref });
      } catch {
        throw bad('sealedShare does not open');
      }
      try {
        await custodian.deposit({ ...ref, shareIndex: d.shareIndex, share, notBefore });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new HttpError(
            409,
            'ALREADY_DEPOSITED',
            `a share of ${ref.secretId} for tender ${ref.tenderId}${ref.depositId ? ` (deposit ${ref.depositId})` : ''} is held already`,
          );
        }
        throw e;
      } finally {
        share.fill(0);
      }
      opts.log?.({ event: 'DEPOSITED', ...ref, shareIndex: d.shareIndex, notBefore: d.notBefore });
      return { status: 201, json: { name: opts.name, publicKey } };
    }
    if (path === '/v1/reschedule') {
      const r = b as unknown as RescheduleBody;
      const notBefore = isoDate(r.notBefore, 'notBefore');
      if (typeof r.reason !== 'string' || r.reason.length > 200) throw bad('reason must be a short string');
      const { previous } = await custodian.reschedule(ref.tenderId, ref.secretId, notBefore, r.reason, undefined, ref.depositId);
      opts.log?.({ event: 'RESCHEDULED', ...ref, notBefore: r.notBefore, previous: previous?.toISOString(), reason: r.reason });
      return { status: 200, json: { notBefore: r.notBefore, previous: previous?.toISOString() } };
    }
    const rel = b as unknown as ReleaseBody;
    if (typeof rel.recipientPublicKey !== 'string' || Buffer.from(rel.recipientPublicKey, 'base64').length !== 32) throw bad('recipientPublicKey must be a raw X25519 key, base64');
    const r = await custodian.release(ref.tenderId, ref.secretId, undefined, ref.depositId);
    try {
      const { share, ...rest } = r;
      const wire: WireRelease = { ...rest, sealedShare: sealToRecipient(rel.recipientPublicKey, r, share) };
      opts.log?.({ event: 'RELEASED', ...ref, shareIndex: r.shareIndex, releasedAt: r.releasedAt });
      return { status: 200, json: { release: wire } };
    } finally {
      r.share.fill(0);
    }
  };

  const send = (res: ServerResponse, status: number, json: unknown, nonce?: string) => {
    const text = JSON.stringify(json);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (nonce) headers[H_RESPONSE_MAC] = signResponse(opts.authKey, nonce, status, text);
    res.writeHead(status, headers).end(text);
  };

  const server = createServer((req, res) => {
    const ctx: { nonce?: string } = {};
    readBody(req, new URL(req.url ?? '/', 'http://custodian').pathname === '/v1/blind-indexes' ? MAX_BLIND_INDEX_BODY : MAX_BODY)
      .then((body) => handle(req, body, ctx))
      .then(
        ({ status, json }) => send(res, status, json, ctx.nonce),
        (e: unknown) => {
          // An authenticated request's refusal is MACed too (the platform tells a real "not yet" from a forged one).
          const nonce = ctx.nonce;
          if (e instanceof HttpError) return send(res, e.status, { code: e.code, message: e.message }, nonce);
          if (e instanceof CustodianRefusal) {
            const [status, code]: [number, CustodianErrorCode] =
              e.reason === 'NOT_YET' ? [409, 'NOT_YET'] : e.reason === 'NO_SHARE' ? [404, 'NO_SHARE'] : e.reason === 'REFUSED' ? [409, 'RESCHEDULE_REFUSED'] : [503, 'INTERNAL'];
            opts.log?.({ event: 'REFUSED', code, message: e.message });
            // NOT_YET says its instant and its clock: the platform waits out a few ms of clock skew at the deadline.
            const clock = e.clock ? { notBefore: e.clock.notBefore.toISOString(), now: e.clock.now.toISOString() } : {};
            return send(res, status, { code, message: e.message, ...clock }, nonce);
          }
          opts.log?.({ event: 'ERROR', message: (e as Error).message });
          send(res, 500, { code: 'INTERNAL', message: 'internal error' }, nonce);
        },
      );
  });
  return Object.assign(server, { custodianPublicKey: publicKey });
}
