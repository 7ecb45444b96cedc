import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { canonicalJson } from '../../audit/canonical-json';
import { NotificationsService } from '../../notifications/notifications.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { LegalCalendarService } from '../legal-calendar/legal-calendar.service';
import { TenderSuspensionService } from '../tender-suspension.service';
import { TenderEntity } from '../tender.entity';
import { TenderException } from '../tender.exception';
import { TendersService } from '../tenders.service';
import { AnswerChallengeDto, FileChallengeDto } from './challenge.dto';
import { challengeAnswerDue, challengeFilingDeadline, ChallengeSubject } from './challenge-rules';
import { ChallengesRepository, ChallengeWithClockRow } from './challenges.repository';

export interface ChallengeView {
  id: string;
  tenderId: string;
  organizationId: string;
  subject: ChallengeSubject;
  text: string;
  filedAt: string;
  filingDeadline: string;
  answerDueAt: string;
  status: 'PENDING' | 'ANSWERED';
  answer: string | null;
  upheld: boolean | null;
  answeredAt: string | null;
  /** Answered after answerDueAt, or still unanswered past it (by the database clock). */
  overdue: boolean;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * 质疑 in government procurement (GPL Arts. 52–54; GPR Arts. 52–54), after the opening:
 * - PROCESS: by a supplier whose bid was opened, within 7 working days from the end of the step — the opening, ended
 *   when its record was made (GPR Art. 53(2));
 * - AWARD: by a supplier of the tender once the award is announced, within 7 working days from the end of the
 *   announcement period (GPR Art. 53(3)); while it is unanswered the contract is not signed (regulations.md row 97:
 *   the purchaser suspends signing when the challenge could change the award) — the tender is suspended;
 * - answered in writing by the purchaser (or its agent) within 7 working days (GPL Art. 53); a late answer is
 *   recorded as late, the act stands. The answer (or the end of its period) opens the complaint (GPL Art. 55).
 * Engineering tenders use objections instead (TBR Arts. 22, 44, 54): 409.
 */
@Injectable()
export class ChallengesService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly calendars: LegalCalendarService,
    private readonly suspension: TenderSuspensionService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly challenges: ChallengesRepository,
  ) {}

  async file(tenderId: string, dto: FileChallengeDto, actor: Actor): Promise<ChallengeView & { created: boolean }> {
    if (actor.role !== Role.BIDDER || !actor.organizationId) throw new ForbiddenException('A challenge is filed by a supplier');
    const orgId = actor.organizationId;
    const text = dto.text.trim();
    if (!text) throw new ValidationFailedException([{ field: 'text', errors: ['the challenge states its grounds'] }]);
    const requestSha256 = createHash('sha256')
      .update(canonicalJson({ tenderId, orgId, subject: dto.subject, text }))
      .digest('hex');
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockVisible(m, tenderId, actor);
      if (tender.regime !== 'GOV_PROCUREMENT') {
        throw TenderException.conflict(
          'An engineering tender takes objections (异议) instead of challenges: at the opening (TBR Art. 44) or during the candidate publicity (TBR Art. 54)',
        );
      }
      if (!(await this.challenges.hasOpenedBid(m, tenderId, orgId))) throw new ForbiddenException('Only a supplier whose bid was opened may challenge the process or the award');
      const existing = await this.challenges.idByRequest(m, requestSha256);
      if (existing) return { ...(await this.view(m, existing)), created: false };
      const { deadline, now, answerDue } = await this.filingPeriod(m, tenderId, dto.subject);
      const row = {
        id: await this.challenges.insert(m, {
          tenderId,
          organizationId: orgId,
          filedBy: actor.userId,
          subject: dto.subject,
          text,
          filedAt: now,
          filingDeadline: deadline.at,
          answerDueAt: answerDue,
          requestSha256,
        }),
      };
      await this.audit.append(m, {
        actor,
        action: 'CHALLENGE_FILED',
        objectType: 'procurement_challenge',
        objectId: row.id,
        tenderId,
        data: {
          subject: dto.subject,
          filingDeadline: deadline.at.toISOString(),
          answerDueAt: answerDue.toISOString(),
          textSha256: createHash('sha256').update(text).digest('hex'),
        },
      });
      if (dto.subject === 'AWARD') {
        // The contract is not signed while a challenge to the award is unanswered (regulations.md row 97).
        await this.suspension.suspend(m, tender, now, { reason: 'CHALLENGE_PENDING', challengeId: row.id, article: 'GPL Art. 52; MOF94 Art. 10' });
      }
      await this.notifyFiled(m, tender, row.id, dto.subject, text, answerDue);
      return { ...(await this.view(m, row.id)), created: true };
    });
  }

  async answer(tenderId: string, id: string, dto: AnswerChallengeDto, actor: Actor): Promise<ChallengeView> {
    const answer = dto.answer.trim();
    if (!answer) throw new ValidationFailedException([{ field: 'answer', errors: ['the answer is written'] }]);
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, tenderId, actor);
      const c = await this.challenges.lockOf(m, tenderId, id);
      if (!c) throw new NotFoundException('The challenge');
      if (c.status === 'ANSWERED') {
        if (c.answer === answer && c.upheld === dto.upheld) return this.view(m, id);
        throw TenderException.conflict('The challenge is already answered');
      }
      const now = await this.tx.now(m);
      await this.challenges.markAnswered(m, id, { answer, upheld: dto.upheld, answeredBy: actor.userId, answeredAt: now });
      await this.audit.append(m, {
        actor,
        action: 'CHALLENGE_ANSWERED',
        objectType: 'procurement_challenge',
        objectId: id,
        tenderId,
        // GPL Art. 53: 7 working days; a late answer is recorded as late.
        data: { upheld: dto.upheld, late: now.getTime() > new Date(c.answerDueAt).getTime(), answerDueAt: iso(c.answerDueAt) },
      });
      await this.notifications.enqueue(m, [
        {
          recipientOrganizationId: c.organizationId,
          tenderId,
          topic: 'CHALLENGE_ANSWERED',
          subject: `【质疑答复】${tender.title}`,
          body: answer,
          dedupeKey: `challenge-${id}-answered`,
        },
      ]);
      if (c.subject === 'AWARD') await this.suspension.resumeIfClear(m, tender, now);
      return this.view(m, id);
    });
  }

  /** The purchaser (or its agent) and supervisors see every challenge; a supplier its own. */
  async list(tenderId: string, actor: Actor): Promise<{ items: ChallengeView[] }> {
    const m = this.tx.manager;
    const tender = await this.tenders.findVisible(m, tenderId, actor);
    // A county supervisor or the finance department of another county: 404 (issue 19).
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    let own: string | null = null;
    if (actor.role === Role.BIDDER) own = actor.organizationId ?? '00000000-0000-0000-0000-000000000000';
    else if (actor.role !== Role.SUPERVISOR && !(await this.tenders.actsForOwner(m, tender, actor))) throw new ForbiddenException('Not your tender');
    const ids = await this.challenges.idsOf(m, tenderId, own);
    const items: ChallengeView[] = [];
    for (const id of ids) items.push(await this.view(m, id));
    return { items };
  }

  /**
   * The filing period (7 working days from when the supplier knew, GPL Art. 52: a maximum period, never relaxed),
   * checked on the database clock, and when the answer is due (GPL Art. 53).
   */
  private async filingPeriod(m: EntityManager, tenderId: string, subject: ChallengeSubject) {
    const knownFrom = await this.knownFrom(m, tenderId, subject);
    const cal = await this.calendars.calendar(m);
    const deadline = challengeFilingDeadline(cal, subject, knownFrom);
    const now = await this.tx.now(m);
    // GPL Art. 52: a maximum period, never relaxed.
    if (now.getTime() > deadline.at.getTime()) {
      throw TenderException.legalPeriod(`A challenge must be filed within 7 working days (${deadline.article}); the period ended ${deadline.at.toISOString()}`, {
        rule: 'CHALLENGE_WITHIN_WORKING_DAYS',
        article: deadline.article,
        latest: deadline.at.toISOString(),
      });
    }
    return { deadline, now, answerDue: challengeAnswerDue(cal, now) };
  }

  /** The purchaser is told to answer in writing by the due date (GPL Art. 53). */
  private async notifyFiled(m: EntityManager, tender: TenderEntity, id: string, subject: ChallengeSubject, text: string, answerDue: Date): Promise<void> {
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: tender.procuringEntityId,
        tenderId: tender.id,
        topic: 'CHALLENGE_FILED',
        subject: `【质疑】${tender.title}`,
        body: `收到对${subject === 'AWARD' ? '成交结果' : '采购过程'}的质疑，请于 ${answerDue.toISOString()} 前书面答复（政府采购法第五十三条）。\n\n${text}`,
        dedupeKey: `challenge-${id}-filed`,
      },
    ]);
  }

  /** When the supplier knew: the end of the opening (its record), or the end of the award announcement. */
  private async knownFrom(m: EntityManager, tenderId: string, subject: ChallengeSubject): Promise<Date> {
    if (subject === 'PROCESS') {
      const closedAt = await this.challenges.openingClosedAt(m, tenderId);
      if (!closedAt) throw TenderException.conflict('The opening is not over: the process step has not ended (GPR Art. 53(2))');
      return closedAt;
    }
    const endsAt = await this.challenges.awardAnnouncementEndsAt(m, tenderId);
    if (!endsAt) throw TenderException.conflict('The award is not announced yet: there is no result to challenge (GPR Art. 53(3))');
    return endsAt;
  }

  private async view(m: EntityManager, id: string): Promise<ChallengeView> {
    const c: ChallengeWithClockRow = (await this.challenges.find(m, id))!;
    const due = new Date(c.answerDueAt).getTime();
    return {
      id: c.id,
      tenderId: c.tenderId,
      organizationId: c.organizationId,
      subject: c.subject,
      text: c.text,
      filedAt: iso(c.filedAt)!,
      filingDeadline: iso(c.filingDeadline)!,
      answerDueAt: iso(c.answerDueAt)!,
      status: c.status,
      answer: c.answer,
      upheld: c.upheld,
      answeredAt: iso(c.answeredAt),
      overdue: (c.answeredAt ? new Date(c.answeredAt).getTime() : new Date(c.now).getTime()) > due,
    };
  }
}
