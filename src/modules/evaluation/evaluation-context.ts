import { TendersService } from '../tenders/tenders.service';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException } from 'src/common/errors/domain.exception';
import { PanelMemberEntity } from '../experts/entities/panel-member.entity';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { PanelService } from '../experts/panel.service';
import { TenderEntity } from '../tenders/tender.entity';
import { TenderStatus } from '../tenders/tender.enums';
import { EvaluationEntity } from './entities/evaluation.entity';
import { EvaluationRulesEntity } from './entities/evaluation-rules.entity';
import { EvaluationException } from './evaluation.exception';
import { EvaluationTerms } from './scoring/evaluation-engine';
import { TendersRepository } from '../tenders/tenders.repository';

export interface SittingContext {
  tender: TenderEntity;
  evaluation: EvaluationEntity;
  member: PanelMemberEntity;
}

/** Who may act on a tender's evaluation, and the evaluation terms of its tender document. */
@Injectable()
export class EvaluationContext {
  constructor(
    private readonly panels: PanelService,
    private readonly tenders: TendersService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly tenderRows: TendersRepository,
  ) {}

  async tender(m: EntityManager, tenderId: string, lock = false): Promise<TenderEntity> {
    const t = await this.tenderRows.findById(m, tenderId, { lock });
    if (!t || t.status === TenderStatus.DRAFT) throw new NotFoundException('The tender');
    return t;
  }

  async evaluation(m: EntityManager, tenderId: string, lock = false): Promise<EvaluationEntity> {
    const ev = await m.findOne(EvaluationEntity, { where: { tenderId }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!ev) throw EvaluationException.notOpen('The evaluation of this tender has not started');
    return ev;
  }

  /**
   * An expert sitting on the tender's committee. `write`: the evaluation must be running (tender EVALUATION,
   * evaluation IN_PROGRESS) and the seat ACCEPTED; reads also allow a COMPLETED seat.
   */
  async sitting(m: EntityManager, tenderId: string, actor: Actor, write: boolean): Promise<SittingContext> {
    const tender = await this.tender(m, tenderId);
    const member = actor.role === Role.EXPERT ? await this.panels.sittingMember(m, tenderId, actor.userId) : null;
    if (!member) throw new ForbiddenException('Only the experts sitting on this tender’s committee may do this');
    const evaluation = await this.evaluation(m, tenderId, write);
    if (write) {
      if (member.status !== 'ACCEPTED') throw EvaluationException.notOpen('Your seat on this committee is closed');
      if (tender.status !== TenderStatus.EVALUATION) throw EvaluationException.notOpen(`The tender is ${tender.status}, not EVALUATION`);
      if (evaluation.status !== 'IN_PROGRESS') throw EvaluationException.notOpen(`The evaluation is ${evaluation.status}`);
    }
    return { tender, evaluation, member };
  }

  isOwner(tender: TenderEntity, actor: Actor | null): boolean {
    return this.tenders.isOwner(tender, actor);
  }

  /** The procuring entity, or a tendering agent it authorised for this tender (招标代理; TendersService.actsForOwner). */
  owns(m: EntityManager, tender: TenderEntity, actor: Actor | null): Promise<boolean> {
    return this.tenders.actsForOwner(m, tender, actor);
  }

  /** A county supervisor or sector regulator: 404 for a tender outside its scope (issue 19); no-op for other roles. */
  assertInScope(m: EntityManager, tender: TenderEntity, actor: Actor): Promise<void> {
    return this.jurisdictions.assertTenderInScope(m, actor, tender.id);
  }

  /** Owner, supervisors and the committee (sitting or done): who reads the report (API.md). */
  async assertReportReader(m: EntityManager, tender: TenderEntity, actor: Actor): Promise<void> {
    if (actor.role === Role.SUPERVISOR) {
      // A county supervisor or sector regulator reads the reports of its own tenders only (issue 19; TBR Art. 4 ¶2 (not in regulations.md; from the statute text)).
      return this.jurisdictions.assertTenderInScope(m, actor, tender.id);
    }
    if (await this.owns(m, tender, actor)) return;
    if (actor.role === Role.EXPERT && (await this.panels.sittingMember(m, tender.id, actor.userId))) return;
    throw new ForbiddenException('The evaluation report is for the procuring entity, the supervisors and the committee');
  }

  async rules(m: EntityManager, tenderId: string): Promise<{ curableDeficiencies: boolean; stateFunded: boolean }> {
    const r = await m.findOneBy(EvaluationRulesEntity, { tenderId });
    return { curableDeficiencies: r?.curableDeficiencies ?? false, stateFunded: r?.stateFunded ?? true };
  }

  terms(t: TenderEntity): EvaluationTerms {
    return {
      regime: t.regime,
      category: t.category,
      method: t.evaluationMethod,
      priceWeight: t.priceWeight === null ? null : normalizeWeight(t.priceWeight),
      factors: t.evaluationFactors ?? [],
      budget: t.budget,
      priceCeiling: t.priceCeiling,
    };
  }
}

/** "0.3000" → "0.3": at most 4 decimals, no trailing zeros. */
function normalizeWeight(w: string): string {
  const [i, f = ''] = String(w).split('.');
  const frac = f.replace(/0+$/, '');
  return frac ? `${i}.${frac}` : i;
}
