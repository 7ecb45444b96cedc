import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { PanelMemberEntity } from './entities/panel-member.entity';

export type PanelMemberHook = (manager: EntityManager, member: PanelMemberEntity, actor: Actor) => Promise<void>;

/**
 * Points where the evaluation acts on the committee without the experts module knowing it:
 * - memberLeft: an ACCEPTED member left the panel (recused after accepting, penalised, replaced): its conclusions
 *   are void and its replacement evaluates again (TBR Art. 48), in the same transaction.
 */
@Injectable()
export class PanelHooks {
  private readonly hooks = { memberLeft: [] as PanelMemberHook[] };

  on(point: keyof PanelHooks['hooks'], hook: PanelMemberHook): void {
    this.hooks[point].push(hook);
  }

  async run(point: keyof PanelHooks['hooks'], manager: EntityManager, member: PanelMemberEntity, actor: Actor): Promise<void> {
    for (const hook of this.hooks[point]) await hook(manager, member, actor);
  }
}
