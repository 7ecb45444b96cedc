import { withTimeout } from '../../common/async/with-timeout';
import { type EntityManager, type EntitySubscriberInterface, type TransactionCommitEvent, type TransactionRollbackEvent } from 'typeorm';

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

/** Registered on the DataSource by DatabaseModule. */
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  constructor(private readonly onError: (e: unknown) => void) {}

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
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
