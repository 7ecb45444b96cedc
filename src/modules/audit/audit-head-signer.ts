/**
 * The key that signs audit heads: the platform's Ed25519 key. Provided by the bids module (PlatformKeyService,
 * `useExisting`) under this token, so that the audit module does not import the bids module (which writes audit
 * events itself).
 */
export const AUDIT_HEAD_SIGNER = Symbol('AUDIT_HEAD_SIGNER');

export interface AuditHeadSigner {
  signBytes(message: Buffer): string;
  verifyBytes(message: Buffer, signatureB64: string): boolean;
}
