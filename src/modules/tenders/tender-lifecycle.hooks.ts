import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TenderEntity } from './tender.entity';

export type TenderHook = (manager: EntityManager, tender: TenderEntity) => Promise<void>;

/**
 * Points where other modules act on a tender's life without the tenders module knowing them:
 * - bidDeadline: run by the BID_DEADLINE timed event, in its transaction, with the tender locked and still
 *   PUBLISHED (the opening module closes submissions and moves it to OPENING or FAILED);
 * - cancelled: run when a tender is cancelled (bid security refunds, pending events...).
 */
@Injectable()
export class TenderLifecycleHooks {
  private readonly hooks = { bidDeadline: [] as TenderHook[], cancelled: [] as TenderHook[] };

  on(point: keyof TenderLifecycleHooks['hooks'], hook: TenderHook): void {
    this.hooks[point].push(hook);
  }

  async run(point: keyof TenderLifecycleHooks['hooks'], manager: EntityManager, tender: TenderEntity): Promise<void> {
    for (const hook of this.hooks[point]) await hook(manager, tender);
  }

  count(point: keyof TenderLifecycleHooks['hooks']): number {
    return this.hooks[point].length;
  }
}
