/**
 * The bidder SDK in the browser (the console's /tenders/<id>/bid and opening hall): the same format code as the Node
 * SDK (core/format.ts), run on WebCrypto with the audited pure-JavaScript port as fallback. No Node built-ins here:
 * this file and what it imports are bundled by Vite (web/).
 */
import { base64DecodeStrict, base64Encode, type Bytes, toHex } from './core/bytes';
import {
  type BidPlaintext,
  type BidReceipt,
  type ClientInfo,
  ed25519SpkiFromPem,
  keyCommitmentSteps,
  type SealedBidParts,
  sealBidSteps,
  verifyKeyCommitmentSteps,
  verifyReceiptSteps,
} from './core/format';
import { keyFileText, parseKeyFileText } from './core/key-file';
import { runAsync } from './core/steps';
import { createWebCryptoPort, type SubtleLike, type WebCryptoPort } from './ports/webcrypto';

export { SEALED_BID_FORMAT_VERSION, SDK_VERSION, MAX_PLAINTEXT_BYTES } from './constants';
export { SealedBidError, isSealedBidError } from './errors';
export { isValidPrice, validatePlaintext } from './core/format';
export type { BidPlaintext, BidReceipt, BidSubmissionRequest, ClientInfo } from './core/format';
export { base64Encode, base64DecodeStrict, keyFileText, parseKeyFileText, toHex };

let port: WebCryptoPort | null = null;

/** The browser's crypto port: WebCrypto where it has the algorithm, noble's pure JavaScript where not. */
export function browserCrypto(): WebCryptoPort {
  if (!port) {
    const c = (globalThis as { crypto?: { subtle?: SubtleLike; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
    port = createWebCryptoPort(
      c?.subtle,
      () => import('./ports/noble').then((m) => m.nobleCrypto),
      (n) => {
        if (!c?.getRandomValues) throw new Error('no secure random source (crypto.getRandomValues) in this browser');
        const out = new Uint8Array(n);
        for (let at = 0; at < n; at += 65_536) c.getRandomValues(out.subarray(at, Math.min(n, at + 65_536)));
        return out;
      },
    );
  }
  return port;
}

export interface BrowserSealInput {
  tenderId: string;
  bidderOrganizationId: string;
  plaintext: BidPlaintext;
  /** The tender's sealing.escrowPublicKey (base64), for the ESCROW modes. */
  escrowPublicKey?: string | null;
  client: ClientInfo;
}

export interface BrowserSealedBid extends Omit<SealedBidParts, 'key'> {
  /** The bid key, base64: offered only as a download (下载密钥), never sent. */
  key: string;
  /** The key file's text (the bid-seal CLI's format). */
  keyFile: string;
}

/** Seals a bid in the browser: format v1, the same steps as `sealBid` of the Node SDK. */
export async function sealBidInBrowser(input: BrowserSealInput): Promise<BrowserSealedBid> {
  const escrow = input.escrowPublicKey ? base64DecodeStrict(input.escrowPublicKey) : null;
  if (input.escrowPublicKey && (!escrow || escrow.length !== 32)) throw new Error('the tender escrow public key is malformed');
  const sealed = await runAsync(
    sealBidSteps({
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      plaintext: input.plaintext,
      escrowPublicKey: escrow ?? undefined,
      client: input.client,
    }),
    browserCrypto(),
  );
  const key = base64Encode(sealed.key);
  return {
    request: sealed.request,
    ciphertext: sealed.ciphertext,
    ciphertextSha256: sealed.ciphertextSha256,
    key,
    keyFile: keyFileText({
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      keyCommitment: sealed.request.keyCommitment,
      ciphertextSha256: sealed.ciphertextSha256,
      createdAt: new Date().toISOString(),
      key,
    }),
  };
}

/** Verifies the platform's signed receipt against GET /platform/keys' receiptPublicKey (PEM). */
export async function verifyReceiptInBrowser(input: {
  receipt: BidReceipt;
  tenderId: string;
  bidderOrganizationId: string;
  keyCommitment: string;
  receiptPublicKeyPem: string;
  ciphertext?: Bytes;
}): Promise<boolean> {
  return runAsync(
    verifyReceiptSteps({
      receipt: input.receipt,
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      keyCommitment: input.keyCommitment,
      receiptPublicKeySpki: ed25519SpkiFromPem(input.receiptPublicKeyPem),
      ciphertext: input.ciphertext,
    }),
    browserCrypto(),
  );
}

/** True when the key matches the bid's keyCommitment (checked before the key is revealed at opening). */
export async function keyMatchesCommitment(key: Bytes, commitment: string): Promise<boolean> {
  return runAsync(verifyKeyCommitmentSteps(key, commitment), browserCrypto());
}

/** keyCommitment of a raw key. */
export async function keyCommitmentOf(key: Bytes): Promise<string> {
  return runAsync(keyCommitmentSteps(key), browserCrypto());
}
