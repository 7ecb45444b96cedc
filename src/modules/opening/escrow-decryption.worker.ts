// A worker thread of EscrowDecryptionPool: opens sealed bids with the escrow key, through the SDK. Relative imports
// only (no path aliases in workers). Receives copies; the escrow key is wiped after each request.
import { parentPort } from 'worker_threads';
import type { SealedParts, UndecryptedBid } from '../bids/bid-lifecycle.service';
import { createEscrowUnwrapper } from '../../sdk';
import { decryptWithEscrow, type DecryptionOutcome } from './bid-decryptor';

export interface EscrowWorkRequest {
  id: number;
  escrow: { privateKey: Uint8Array; publicKey: Uint8Array };
  items: Array<{ bid: UndecryptedBid; parts: SealedParts }>;
}

export interface EscrowWorkResponse {
  id: number;
  results?: DecryptionOutcome[];
  error?: string;
}

const buf = (u: Uint8Array | null | undefined) => (u ? Buffer.from(u.buffer, u.byteOffset, u.byteLength) : null);

parentPort?.on('message', (req: EscrowWorkRequest) => {
  const escrow = { privateKey: buf(req.escrow.privateKey)!, publicKey: buf(req.escrow.publicKey)! };
  try {
    const unwrap = createEscrowUnwrapper({ escrowPrivateKey: escrow.privateKey, escrowPublicKey: escrow.publicKey }); // once per batch
    const results = req.items.map(({ bid, parts }) =>
      decryptWithEscrow(bid, { bidId: parts.bidId, ciphertext: buf(parts.ciphertext)!, iv: buf(parts.iv)!, escrowedKey: buf(parts.escrowedKey) }, unwrap),
    );
    parentPort!.postMessage({ id: req.id, results } satisfies EscrowWorkResponse);
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: (e as Error).message } satisfies EscrowWorkResponse);
  } finally {
    escrow.privateKey.fill(0);
  }
});
