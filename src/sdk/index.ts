/**
 * The bidder SDK: the one implementation of sealed-bid format v1 (API.md "Sealed bids"), used by bidders (the
 * `bid-seal` CLI and the web console), by the server (commitments, decryption at opening, escrow unwrap, receipts),
 * tests and the demo. The format logic is core/format.ts, platform-free, run on a crypto port (core/steps.ts): this
 * Node API runs it synchronously on node:crypto (ports/node.ts); the browser (browser.ts) runs it on WebCrypto with
 * the audited pure-JavaScript port (ports/noble.ts) as fallback. No Nest, no I/O except reading this machine's
 * network interfaces for `client`.
 */
export * from './constants';
export * from './errors';
export type { BinaryInput } from './encoding';
export { ciphertextSha256, decodeBase64Strict, isBase64, sha256Hex } from './encoding';
export { UUID_PATTERN, bidAad } from './aad';
export type { BidAttachment, BidPlaintext, PlaintextValidation } from './plaintext';
export { isValidPrice, serializePlaintext, validatePlaintext } from './plaintext';
export { keyCommitment, verifyKeyCommitment } from './commitment';
export { generateEscrowKeyPair, x25519PublicFromPrivate } from './x25519';
export type { EscrowKeyPairInput, EscrowUnwrapper, UnwrapEscrowedKeyInput, WrapEscrowKeyInput } from './escrow';
export { createEscrowUnwrapper, deriveEscrowKek, unwrapEscrowedKey, wrapEscrowKey } from './escrow';
export type { ClientInfo } from './client-info';
export { collectClientInfo, localDeviceId, localMacAddresses } from './client-info';
export type { BidSubmissionRequest, EncryptBidInput, SealBidInput, SealedBid } from './seal';
export { encryptBid, sealBid } from './seal';
export type { OpenBidInput } from './open';
export { openBid } from './open';
export type { BidReceipt, EnvelopeFields, ReceiptFields, VerifyReceiptInput } from './receipt';
export { ENVELOPE_DOMAIN, envelopeMessage, generateReceiptKeyPair, receiptMessage, signEnvelope, signReceipt, verifyReceipt } from './receipt';
export type { AttachmentDigest } from './attachments';
export { attachmentDigests } from './attachments';
