import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { BidsQueryService } from '../bids/bids-query.service';
import { TenderStatus } from '../tenders/tender.enums';
import { ClarificationDecisionDto, ClarificationRequestDto, ClarificationResponseDto } from './dto/evaluation.dto';
import { BidderClarificationRequestEntity, ClarificationKind } from './entities/bidder-clarification-request.entity';
import { ClarificationsRepository } from './clarifications.repository';
import { DeadlinesRepository } from './deadlines.repository';
import { EvaluationContext } from './evaluation-context';
import { EvaluationException } from './evaluation.exception';

/** The law behind each kind of request, printed with it and in the report's minutes. */
const LEGAL_BASIS: Record<ClarificationKind, string> = {
  MINOR_DEVIATION: '细微偏差的补正，评标结束前书面提出（评标委员会和评标方法暂行规定第二十六条；招标投标法实施条例第五十二条）',
  CURABLE_DEFICIENCY: '容缺：仅限非实质性证明材料，不得补充实质性资格文件（招标文件规定；招标投标法实施条例第五十二条）',
  ABNORMALLY_LOW_PRICE: '投标报价明显低于其他投标报价，书面说明并提供证明材料（评标委员会和评标方法暂行规定第二十一条；财政部令第87号第六十条）',
  AMBIGUITY: '含义不明确的内容作必要的澄清、说明，不得超出投标文件范围或改变实质性内容（招标投标法实施条例第五十二条；电子招标投标办法第三十三条）',
};

export interface ClarificationView {
  id: string;
  tenderId: string;
  bidId: string;
  kind: ClarificationKind;
  item: string;
  question: string;
  legalBasis: string;
  deadline: string;
  status: 'OPEN' | 'ANSWERED';
  expired: boolean;
  response: { text: string; attachments: Array<{ name: string; sha256: string }>; respondedAt: string } | null;
  panelDecision: { decision: string; note: string | null; decidedAt: string } | null;
  createdAt: string;
}

/**
 * 澄清、说明、补正 during the evaluation (BidderClarificationRequest): in writing, through the platform, with a
 * deadline inside the evaluation (TBR Art. 52; EB20 Art. 33). The panel asks; only the bidder asked answers (a
 * clarification the bidder volunteers is not accepted, MOF87 Art. 51); an answer may not change the substance of
 * the bid — only a curable-deficiency request, where the tender document allows it, takes (non-substantive) proofs.
 */
@Injectable()
export class ClarificationsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly ctx: EvaluationContext,
    private readonly bids: BidsQueryService,
    private readonly clarifications: ClarificationsRepository,
    private readonly deadlines: DeadlinesRepository,
  ) {}

  async request(tenderId: string, dto: ClarificationRequestDto, actor: Actor): Promise<ClarificationView> {
    return this.tx.run(async (m) => {
      const { member } = await this.ctx.sitting(m, tenderId, actor, true);
      const bid = (await this.bids.openedBids(tenderId, m)).find((b) => b.bidId === dto.bidId);
      if (!bid) throw new NotFoundException('The bid');
      if (bid.status !== 'DECRYPTED') throw EvaluationException.notOpen(`The bid is ${bid.status}: it is not evaluated`);
      if (dto.kind === 'CURABLE_DEFICIENCY' && !(await this.ctx.rules(m, tenderId)).curableDeficiencies) {
        throw EvaluationException.curable('The tender document does not allow curable deficiencies (容缺, regulations.md §3)');
      }
      const future = await this.deadlines.isFuture(m, dto.deadline);
      if (!future) throw new ValidationFailedException([{ field: 'deadline', errors: ['deadline must be in the future, inside the evaluation'] }]);
      const id = await this.clarifications.insert(m, {
        tenderId,
        bidId: bid.bidId,
        bidderOrganizationId: bid.bidderOrganizationId,
        requestedBy: member.id,
        kind: dto.kind,
        item: dto.item,
        question: dto.question,
        legalBasis: LEGAL_BASIS[dto.kind],
        deadline: dto.deadline,
      });
      await this.audit.append(m, {
        actor,
        action: 'CLARIFICATION_REQUESTED',
        objectType: 'clarification_request',
        objectId: id,
        tenderId,
        data: { bidId: bid.bidId, kind: dto.kind, item: dto.item, deadline: dto.deadline, memberId: member.id },
      });
      return this.view(await m.findOneByOrFail(BidderClarificationRequestEntity, { id }));
    });
  }

  /** The committee and supervisors see every request; a bidder its own. */
  async list(tenderId: string, actor: Actor): Promise<ClarificationView[]> {
    const m = this.tx.manager;
    await this.ctx.assertInScope(m, await this.ctx.tender(m, tenderId), actor);
    let where: Record<string, string> = { tenderId };
    if (actor.role === Role.BIDDER && actor.organizationId) where = { tenderId, bidderOrganizationId: actor.organizationId };
    else if (actor.role === Role.EXPERT) await this.ctx.sitting(m, tenderId, actor, false);
    else if (actor.role !== Role.SUPERVISOR) throw new ForbiddenException('Clarification requests are for the committee, the bidder asked and supervisors');
    const rows = await m.find(BidderClarificationRequestEntity, { where, order: { createdAt: 'ASC' } });
    return Promise.all(rows.map((r) => this.view(r)));
  }

  /** The bidder's written answer, before the deadline (database clock). */
  async respond(tenderId: string, id: string, dto: ClarificationResponseDto, actor: Actor): Promise<ClarificationView> {
    return this.tx.run(async (m) => {
      const req = await m.findOne(BidderClarificationRequestEntity, { where: { id, tenderId }, lock: { mode: 'pessimistic_write' } });
      if (!req || req.bidderOrganizationId !== actor.organizationId) throw new NotFoundException('The clarification request');
      if (req.status === 'ANSWERED') throw EvaluationException.conflict('This request is already answered');
      const tender = await this.ctx.tender(m, tenderId);
      if (tender.status !== TenderStatus.EVALUATION) throw EvaluationException.notOpen('The evaluation is over');
      if (await this.deadlines.hasPassed(m, req.deadline)) throw EvaluationException.clarificationLate();
      if (dto.attachments?.length && req.kind !== 'CURABLE_DEFICIENCY') {
        // TBR Art. 52: an answer may not change the substance of the bid; no documents are added after the deadline.
        throw EvaluationException.curable('Only a curable-deficiency request takes documents; a clarification may not add to the bid (TBR Art. 52)');
      }
      await this.clarifications.recordAnswer(m, id, { text: dto.text, attachments: dto.attachments ?? [], respondedBy: actor.userId });
      await this.audit.append(m, {
        actor,
        action: 'CLARIFICATION_ANSWERED',
        objectType: 'clarification_request',
        objectId: id,
        tenderId,
        data: { bidId: req.bidId, attachments: (dto.attachments ?? []).map((a) => a.sha256) },
      });
      return this.view(await m.findOneByOrFail(BidderClarificationRequestEntity, { id }));
    });
  }

  /** The committee's view of the answer (or of the silence after the deadline), for the report's minutes. */
  async decide(tenderId: string, id: string, dto: ClarificationDecisionDto, actor: Actor): Promise<ClarificationView> {
    return this.tx.run(async (m) => {
      const { member } = await this.ctx.sitting(m, tenderId, actor, true);
      const req = await m.findOne(BidderClarificationRequestEntity, { where: { id, tenderId }, lock: { mode: 'pessimistic_write' } });
      if (!req) throw new NotFoundException('The clarification request');
      const late = await this.deadlines.hasPassed(m, req.deadline);
      if (req.status !== 'ANSWERED' && !late) throw EvaluationException.clarificationPending([req.id]);
      await this.clarifications.recordDecision(m, id, { decision: dto.accepted ? 'ACCEPTED' : 'NOT_ACCEPTED', note: dto.note ?? null, decidedBy: member.id });
      await this.audit.append(m, {
        actor,
        action: 'CLARIFICATION_DECIDED',
        objectType: 'clarification_request',
        objectId: id,
        tenderId,
        data: { accepted: dto.accepted, note: dto.note ?? null, memberId: member.id },
      });
      return this.view(await m.findOneByOrFail(BidderClarificationRequestEntity, { id }));
    });
  }

  private async view(r: BidderClarificationRequestEntity): Promise<ClarificationView> {
    const expired = await this.deadlines.hasPassed(this.tx.manager, r.deadline);
    return {
      id: r.id,
      tenderId: r.tenderId,
      bidId: r.bidId,
      kind: r.kind,
      item: r.item,
      question: r.question,
      legalBasis: r.legalBasis,
      deadline: new Date(r.deadline).toISOString(),
      status: r.status,
      expired: r.status === 'OPEN' && expired,
      response: r.respondedAt ? { text: r.responseText ?? '', attachments: r.responseAttachments ?? [], respondedAt: new Date(r.respondedAt).toISOString() } : null,
      panelDecision: r.decidedAt ? { decision: r.panelDecision!, note: r.panelDecisionNote, decidedAt: new Date(r.decidedAt).toISOString() } : null,
      createdAt: new Date(r.createdAt).toISOString(),
    };
  }
}
