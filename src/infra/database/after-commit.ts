import { withTimeout } from '../../common/async/with-timeout';
import { type EntityManager, type EntitySubscriberInterface, type QueryRunner, type TransactionCommitEvent, type TransactionRollbackEvent } from 'typeorm';

type Callback = () => Promise<unknown> | unknown;
const KEY = '__afterCommit';
/** A callback (a queue add while Redis is down...) never holds up the request whose transaction committed. */
const AFTER_COMMIT_TIMEOUT_MS = 3_000;

/**
 * Runs `fn` once the transaction `manager` belongs to has committed (immediately when there is none), so that a
 * queued job never points at a row that was rolled back or is not yet visible.
 */
export async function runAfterCommit(manager: EntityManager, fn: Callback): Promise<void> {
  const qr = manager.queryRunner;
  if (qr?.isTransactionActive) {
    ((qr.data[KEY] as Callback[] | undefined) ?? (qr.data[KEY] = [])).push(fn);
    return;
  }
  await fn();
}

const ROLLBACK_KEY = '__onRollback';
/** A compensation may call outside services (the escrow custodians: 10 s each); never unbounded. */
const ON_ROLLBACK_TIMEOUT_MS = 60_000;
type RollbackEntry = { fn: Callback; depth: number };
const depthOf = (qr: QueryRunner) => (qr as unknown as { transactionDepth?: number }).transactionDepth ?? 1;

/**
 * Runs `fn` if the transaction `manager` belongs to rolls back (nothing when there is none, or when it commits): the
 * compensation of an effect outside the database that the transaction's work already caused (a custodian's release
 * instant moved). Called when the rollback is decided, before the ROLLBACK statement — so it runs even when that
 * statement fails (a lost connection: the server aborts the transaction anyway); callbacks run last-registered
 * first, each bounded in time, their failures reported, never thrown (the rollback goes on). A callback registered
 * inside a savepoint runs when that savepoint rolls back.
 */
export async function runOnRollback(manager: EntityManager, fn: Callback): Promise<void> {
  const qr = manager.queryRunner;
  if (!qr?.isTransactionActive) return;
  ((qr.data[ROLLBACK_KEY] as RollbackEntry[] | undefined) ?? (qr.data[ROLLBACK_KEY] = [])).push({ fn, depth: depthOf(qr) });
}

/** Registered on the DataSource by DatabaseModule. */
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  constructor(private readonly onError: (e: unknown) => void) {}

  async beforeTransactionRollback(event: TransactionRollbackEvent): Promise<void> {
    const entries = (event.queryRunner.data[ROLLBACK_KEY] as RollbackEntry[] | undefined) ?? [];
    const depth = depthOf(event.queryRunner); // the level being rolled back (before TypeORM decrements it)
    const due = entries.filter((e) => e.depth >= depth);
    event.queryRunner.data[ROLLBACK_KEY] = entries.filter((e) => e.depth < depth);
    for (const { fn } of due.reverse()) {
      try {
        await withTimeout(Promise.resolve().then(fn), ON_ROLLBACK_TIMEOUT_MS, 'a rollback compensation');
      } catch (e) {
        this.onError(e);
      }
    }
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    if (!event.queryRunner.isTransactionActive) delete event.queryRunner.data[ROLLBACK_KEY]; // committed for good (not a savepoint's release)
    const callbacks = (event.queryRunner.data[KEY] as Callback[] | undefined) ?? [];
    delete event.queryRunner.data[KEY];
    for (const cb of callbacks) {
      try {
        await withTimeout(Promise.resolve().then(cb), AFTER_COMMIT_TIMEOUT_MS, 'an after-commit callback');
      } catch (e) {
        this.onError(e); // the database sweepers deliver anything that failed to reach the queue
      }
    }
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    delete event.queryRunner.data[KEY];
  }
}
