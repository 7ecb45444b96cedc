import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { cpus } from 'os';
import { extname, join } from 'path';
import { Worker } from 'worker_threads';
import { AppConfig } from 'src/infra/config/app-config';
import { createEscrowUnwrapper, EscrowUnwrapper } from 'src/sdk';
import { SealedParts, UndecryptedBid } from '../bids/bid-lifecycle.service';
import { decryptWithEscrow, DecryptionOutcome } from './bid-decryptor';
import type { EscrowWorkRequest, EscrowWorkResponse } from './escrow-decryption.worker';

/** Below this many bids the main thread decrypts alone (a worker round trip is not worth it). */
export const PARALLEL_FROM = 64;

// Loads the worker file, compiled (.js) or, when the app itself runs from TypeScript, through ts-node.
const BOOT = `
const { workerData } = require('worker_threads');
if (workerData.file.endsWith('.ts')) require('ts-node').register({ transpileOnly: true });
require(workerData.file);
`;

interface PooledWorker {
  worker: Worker;
  pending: Map<number, { resolve: (r: DecryptionOutcome[]) => void; reject: (e: Error) => void }>;
  alive: boolean;
}

const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/**
 * Escrow decryption at the close of the window is CPU work (X25519, HKDF, AES-GCM and parsing per bid): large
 * openings are split between the main thread and worker threads (one per spare core). Any worker failure falls back
 * to the main thread for that share, so the result never depends on the pool.
 */
@Injectable()
export class EscrowDecryptionPool implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EscrowDecryptionPool.name);
  private workers: PooledWorker[] = [];
  private seq = 0;

  constructor(private readonly config: AppConfig) {}

  /** Started with the workers of a running platform; lazily in tests. */
  onApplicationBootstrap(): void {
    if (this.config.runWorkers && this.config.nodeEnv !== 'test') this.start();
  }

  async onModuleDestroy(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.worker.terminate().catch(() => undefined)));
  }

  async decrypt(
    escrow: { privateKey: Buffer; publicKey: Buffer },
    items: Array<{ bid: UndecryptedBid; parts: SealedParts }>,
    opts: { parallelFrom?: number } = {},
  ): Promise<DecryptionOutcome[]> {
    let unwrap: EscrowUnwrapper | null = null; // built once, on first use (the key pair was checked by the caller)
    const inline = (xs: typeof items) => {
      unwrap ??= createEscrowUnwrapper({ escrowPrivateKey: escrow.privateKey, escrowPublicKey: escrow.publicKey });
      return xs.map(({ bid, parts }) => decryptWithEscrow(bid, parts, unwrap!));
    };
    if (items.length < (opts.parallelFrom ?? PARALLEL_FROM)) return inline(items);
    const workers = this.start().filter((w) => w.alive);
    if (!workers.length) return inline(items);
    // Equal shares for each worker and for this thread, which takes the last one while the workers run.
    const share = Math.ceil(items.length / (workers.length + 1));
    const remote = workers.map((w, i) => {
      const part = items.slice(i * share, (i + 1) * share);
      return part.length
        ? this.send(w, escrow, part).catch((e) => {
            this.logger.warn(`escrow decryption worker failed (${(e as Error).message}); decrypting its share here`);
            return inline(part);
          })
        : Promise.resolve([]);
    });
    const local = inline(items.slice(workers.length * share));
    return [...(await Promise.all(remote)).flat(), ...local];
  }

  private start(): PooledWorker[] {
    if (this.workers.length) return this.workers;
    const n = Math.max(1, Math.min(4, cpus().length - 1));
    const file = join(__dirname, `escrow-decryption.worker${extname(__filename)}`);
    for (let i = 0; i < n; i++) {
      try {
        const worker = new Worker(BOOT, { eval: true, workerData: { file } });
        const pw: PooledWorker = { worker, pending: new Map(), alive: true };
        worker.unref();
        worker.on('message', (m: EscrowWorkResponse) => {
          const p = pw.pending.get(m.id);
          pw.pending.delete(m.id);
          if (!p) return;
          if (m.results) {
            p.resolve(m.results.map((r) => (r.ok ? { ok: true, record: { ...r.record, key: toBuffer(r.record.key) } } : r)));
          } else p.reject(new Error(m.error ?? 'no result'));
        });
        const fail = (e: Error) => {
          pw.alive = false;
          for (const p of pw.pending.values()) p.reject(e);
          pw.pending.clear();
        };
        worker.on('error', fail);
        worker.on('exit', (code) => fail(new Error(`worker exited (${code})`)));
        this.workers.push(pw);
      } catch (e) {
        this.logger.warn(`cannot start an escrow decryption worker: ${(e as Error).message}`);
      }
    }
    return this.workers;
  }

  private send(w: PooledWorker, escrow: { privateKey: Buffer; publicKey: Buffer }, items: Array<{ bid: UndecryptedBid; parts: SealedParts }>): Promise<DecryptionOutcome[]> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      if (!w.alive) return reject(new Error('worker is gone'));
      w.pending.set(id, { resolve, reject });
      w.worker.postMessage({ id, escrow: { privateKey: escrow.privateKey, publicKey: escrow.publicKey }, items } satisfies EscrowWorkRequest);
    });
  }
}
