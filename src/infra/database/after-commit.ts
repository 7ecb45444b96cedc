import { EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

type Callback = () => Promise<unknown> | unknown;
const KEY = '__afterCommit';

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
        await cb();
      } catch (e) {
        this.onError(e); // the sweeper re-plans anything that failed to reach the queue
      }
    }
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    delete event.queryRunner.data[KEY];
  }
}
