import {
  checkResponse,
  type DepositBody,
  ephemeralRecipient,
  H_NONCE,
  H_RESPONSE_MAC,
  openFromCustodian,
  type ReleaseBody,
  type RescheduleBody,
  sealDeposit,
  signRequest,
  type WireRelease,
} from './custodian-protocol';
import { CustodianRefusal, type EscrowCustodian, type RescheduleResult, type ShareDeposit, type ShareRelease } from './escrow-custodian';

export interface RemoteCustodianConfig {
  /** Base URL of the custodian server (https:// in production), e.g. https://custodian.notary.example. */
  url: string;
  /** The 32-byte key registered with that custodian. */
  authKey: Buffer;
  /** base64 DER SPKI of its Ed25519 key, pinned at registration; unset: fetched from the custodian at start-up. */
  publicKey?: string;
}

/**
 * A remote escrow custodian (the supervision authority's, the notary office's) over the custodian protocol
 * (custodian-protocol.ts; the server: src/custodian/). Requests are HMAC-authenticated, answers' MACs checked;
 * a released share comes sealed to a fresh key of that request. Any failure to reach it is `UNAVAILABLE`
 * (the threshold decides whether the opening can go on without it).
 */
export class HttpEscrowCustodian implements EscrowCustodian {
  private key: string | undefined;

  constructor(
    readonly name: string,
    private readonly remote: RemoteCustodianConfig,
    private readonly timeoutMs = 10_000,
  ) {
    this.key = remote.publicKey;
  }

  /** Fetches the public key when none is pinned (trust on first use; pin it with ESCROW_CUSTODIAN_PUBLIC_KEYS). */
  async init(): Promise<void> {
    if (this.key) return;
    const res = await this.fetch('GET', '/v1/public-key');
    const body = (await res.json()) as { name?: string; publicKey?: string };
    if (!res.ok || body.name !== this.name || typeof body.publicKey !== 'string') {
      throw new CustodianRefusal(this.name, 'UNAVAILABLE', `answers ${res.status} to GET /v1/public-key, not its key`);
    }
    this.key = body.publicKey;
  }

  publicKey(): string {
    if (!this.key) throw new CustodianRefusal(this.name, 'UNAVAILABLE', 'its public key is not known (not reached since start-up)');
    return this.key;
  }

  async deposit(d: ShareDeposit): Promise<void> {
    await this.init().catch(() => undefined); // publicKey() is asked right after a deposit
    const ref = { tenderId: d.tenderId, secretId: d.secretId, ...(d.depositId ? { depositId: d.depositId } : {}), shareIndex: d.shareIndex, notBefore: d.notBefore.toISOString() };
    const body: DepositBody = { ...ref, sealedShare: sealDeposit(this.remote.authKey, this.name, ref, d.share) };
    const { status, json } = await this.post('/v1/deposit', body);
    if (status !== 201) throw this.refusal(status, json);
    if (!this.key) this.key = (json as { publicKey: string }).publicKey;
  }

  async reschedule(tenderId: string, secretId: string, notBefore: Date, reason: string, _m?: unknown, depositId?: string): Promise<RescheduleResult> {
    const body: RescheduleBody = { tenderId, secretId, ...(depositId ? { depositId } : {}), notBefore: notBefore.toISOString(), reason };
    const { status, json } = await this.post('/v1/reschedule', body);
    if (status !== 200) throw this.refusal(status, json);
    const previous = (json as { previous?: unknown }).previous;
    return typeof previous === 'string' && !Number.isNaN(Date.parse(previous)) ? { previous: new Date(previous) } : {};
  }

  async release(tenderId: string, secretId: string, _m?: unknown, depositId?: string): Promise<ShareRelease> {
    await this.init();
    const recipient = ephemeralRecipient();
    try {
      const body: ReleaseBody = { tenderId, secretId, ...(depositId ? { depositId } : {}), recipientPublicKey: recipient.publicKey };
      const { status, json } = await this.post('/v1/release', body);
      if (status !== 200) throw this.refusal(status, json);
      const wire = (json as { release: WireRelease }).release;
      if (wire.tenderId !== tenderId || wire.secretId !== secretId) throw new CustodianRefusal(this.name, 'UNAVAILABLE', 'released another share than asked');
      const share = openFromCustodian(recipient.privateKey, recipient.publicKey, wire);
      const { sealedShare: _sealed, ...rest } = wire;
      return { ...rest, share }; // its signature is checked by ThresholdEscrowService against the pinned key
    } finally {
      recipient.privateKey.fill(0);
    }
  }

  refusal(status: number, json: unknown): CustodianRefusal {
    const { code, message, notBefore, now } = (json ?? {}) as { code?: string; message?: string; notBefore?: unknown; now?: unknown };
    const text = `${status} ${code ?? ''} ${message ?? ''}`.trim();
    if (code === 'NOT_YET') {
      const at = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : undefined);
      const clock = at(notBefore) && at(now) ? { notBefore: at(notBefore)!, now: at(now)! } : undefined; // its instant and its clock (servers before: unset)
      return new CustodianRefusal(this.name, 'NOT_YET', message ?? text, clock);
    }
    if (code === 'NO_SHARE') return new CustodianRefusal(this.name, 'NO_SHARE', message ?? text);
    if (code === 'RESCHEDULE_REFUSED') return new CustodianRefusal(this.name, 'REFUSED', message ?? text);
    return new CustodianRefusal(this.name, 'UNAVAILABLE', text); // incl. 401 (the registered key does not match)
  }

  /** One authenticated request (its answer's MAC checked); also used by RemoteBlindIndexOracle. */
  async post(path: string, payload: unknown): Promise<{ status: number; json: unknown }> {
    const text = JSON.stringify(payload);
    const headers = signRequest(this.remote.authKey, 'POST', this.path(path), text);
    const res = await this.fetch('POST', path, text, headers);
    const answer = await res.text();
    // Only the custodian (holder of the key) can MAC the answer to this nonce: a forged "deposited" or "not yet" is refused.
    if (!checkResponse(this.remote.authKey, headers[H_NONCE], res.status, answer, res.headers.get(H_RESPONSE_MAC))) {
      let code = '';
      try {
        code = (JSON.parse(answer) as { code?: string }).code ?? '';
      } catch {
        /* not JSON */
      }
      throw new CustodianRefusal(this.name, 'UNAVAILABLE', `answer ${res.status} ${code} not authenticated by the custodian`.replace('  ', ' '));
    }
    return { status: res.status, json: JSON.parse(answer) };
  }

  private path(path: string): string {
    return new URL(path.replace(/^\//, ''), this.base()).pathname;
  }
  private base(): string {
    return this.remote.url.endsWith('/') ? this.remote.url : `${this.remote.url}/`;
  }

  private async fetch(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await fetch(new URL(path.replace(/^\//, ''), this.base()), {
        method,
        body,
        headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new CustodianRefusal(this.name, 'UNAVAILABLE', `not reached at ${this.remote.url}: ${(e as Error).message}`);
    }
  }
}
