/**
 * Sealed-bid format v1 (API.md "Sealed bids"): fixed sizes, domain-separation labels and the limits that the
 * SDK, the CLI and the server all enforce. Change nothing here without a new format version.
 */
export const SEALED_BID_FORMAT_VERSION = 'v1' as const;

/** Version of this SDK and of the `bid-seal` tool; sent as `client.toolVersion`. */
export const SDK_VERSION = '0.1.0';
export const TOOL_NAME = 'bid-seal';
export const TOOL_VERSION = `${TOOL_NAME}/${SDK_VERSION} (sealed-bid ${SEALED_BID_FORMAT_VERSION})`;

export const BID_KEY_BYTES = 32;
export const BID_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
export const X25519_KEY_BYTES = 32;
/** ephemeralPublic(32) ‖ iv2(12) ‖ encrypted key(32) ‖ tag(16). */
export const ESCROWED_KEY_BYTES = X25519_KEY_BYTES + BID_IV_BYTES + BID_KEY_BYTES + GCM_TAG_BYTES;

/** keyCommitment = hex(SHA-256(UTF-8 "bid-key-v1" ‖ key)). */
export const KEY_COMMITMENT_LABEL = 'bid-key-v1';
/** HKDF-SHA256 `info` of the escrow key-encryption key. */
export const ESCROW_HKDF_INFO = 'bid-escrow-v1';

/** Largest accepted ciphertext (tag included), in raw bytes. */
export const MAX_CIPHERTEXT_BYTES = 20 * 1024 * 1024;
export const MAX_PLAINTEXT_BYTES = MAX_CIPHERTEXT_BYTES - GCM_TAG_BYTES;
/** Length of the base64 text of a ciphertext of MAX_CIPHERTEXT_BYTES. */
export const MAX_CIPHERTEXT_BASE64_LENGTH = Math.ceil(MAX_CIPHERTEXT_BYTES / 3) * 4;
/** A JSON body limit for POST /tenders/{id}/bids that fits the largest ciphertext plus the other fields. */
export const MAX_BID_REQUEST_BODY_BYTES = 28 * 1024 * 1024;

export const MAX_ATTACHMENTS = 100;
export const MAX_ATTACHMENT_NAME_LENGTH = 255;
export const MAX_DURATION_DAYS = 36_500;

/** `client` block limits (the bid request's device fingerprint, used by the collusion screens). */
export const MAX_MAC_ADDRESSES = 32;
export const MAX_CLIENT_FIELD_LENGTH = 256;

/**
 * A CNY amount: decimal string, at most 16 integer digits (numeric(18,2)) and at most 2 decimals, no sign, no
 * exponent, no leading zeros. The same rule as src/common/money (MONEY_PATTERN); kept here so that the SDK has no
 * dependency on the server's code.
 */
export const PRICE_PATTERN = /^(0|[1-9]\d{0,15})(\.\d{1,2})?$/;
