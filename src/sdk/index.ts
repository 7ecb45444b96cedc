/**
 * The bidder SDK: the one implementation of sealed-bid format v1 (API.md "Sealed bids"), used by bidders (the
 * `bid-seal` CLI), by the server (commitments, decryption at opening, escrow unwrap, receipts), tests and the demo.
 * Pure Node `crypto`; no Nest, no I/O except reading this machine's network interfaces for `client`.
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
