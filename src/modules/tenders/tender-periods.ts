import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ENGINEERING_RULES, GOV_PROCUREMENT_RULES, PLATFORM_RULES } from 'src/common/law/regulations';
import { AppConfig } from 'src/infra/config/app-config';
import { LegalCalendar } from './legal-calendar/legal-calendar';
import { LegalCalendarService } from './legal-calendar/legal-calendar.service';
import { TenderEntity } from './tender.entity';
import { TenderException } from './tender.exception';

type Violation = { rule: string; article: string; message: string; earliest?: Date; latest?: Date };

/**
 * The statutory minimum periods of a tender's life, checked against the database clock (`now`, from
 * TransactionRunner.now) and the legal calendar. Under LEGAL_PERIODS=relaxed only the periods are lifted — a
 * deadline must still lie in the future (API.md "Start-up and configuration").
 */
@Injectable()
export class TenderPeriods {
  constructor(
    private readonly config: AppConfig,
    private readonly calendars: LegalCalendarService,
  ) {}

  get enforced(): boolean {
    return this.config.legalPeriodsEnforced;
  }

  /** At publication: the bid-preparation period and the documents' availability. */
  async assertPublication(m: EntityManager, tender: TenderEntity, now: Date, hasDocuments: boolean): Promise<void> {
    this.assertFuture(tender.bidDeadline, now, 'bidDeadline');
    if (!this.enforced) return;
    const cal = await this.calendars.calendar(m);
    const v: Violation[] = [];
    // ≥ 20 days from the first day the documents are issued to the deadline (TBL Art. 24; GPL Art. 35).
    const prepDays = tender.regime === 'ENGINEERING' ? ENGINEERING_RULES.minBidPrepDays : GOV_PROCUREMENT_RULES.minBidPrepDays;
    const prepArticle = tender.regime === 'ENGINEERING' ? 'TBL Art. 24' : 'GPL Art. 35';
    if (!cal.keepsPeriod(now, prepDays, 'CALENDAR_DAYS', tender.bidDeadline)) {
      v.push({
        rule: 'MIN_BID_PREPARATION_DAYS',
        article: prepArticle,
        message: `the bid deadline must be at least ${prepDays} days after publication (${prepArticle})`,
        earliest: cal.earliestDeadline(now, prepDays, 'CALENDAR_DAYS'),
      });
    }
    // The documents are available from publication to the deadline: ≥ 5 days (TBR Art. 16), ≥ 5 working days for
    // procurement (GPR Art. 31; MOF87 Art. 16).
    const [docDays, docUnit, docArticle] =
      tender.regime === 'ENGINEERING'
        ? [ENGINEERING_RULES.docSaleMinDays, 'CALENDAR_DAYS' as const, 'TBR Art. 16']
        : [GOV_PROCUREMENT_RULES.docProvideMinWorkingDays, 'WORKING_DAYS' as const, 'GPR Art. 31; MOF87 Art. 16'];
    if (!cal.keepsPeriod(now, docDays, docUnit, tender.bidDeadline)) {
      v.push({
        rule: 'MIN_DOCUMENT_AVAILABILITY',
        article: docArticle,
        message: `the documents must be available for at least ${docDays} ${docUnit === 'WORKING_DAYS' ? 'working days' : 'days'} (${docArticle})`,
        earliest: cal.earliestDeadline(now, docDays, docUnit),
      });
    }
    if (!hasDocuments) {
      v.push({
        rule: 'DOCUMENTS_REQUIRED',
        article: 'TBR Art. 16; EB20 Art. 20',
        message: 'the tender documents must be uploaded before publication: they are issued from the first day (TBR Art. 16)',
      });
    }
    this.throwIf(v);
  }

  /**
   * An amendment or clarification published at `now`: at least 15 days before the deadline (TBR Art. 21; GPR
   * Art. 31; MOF87 Art. 27), otherwise the deadline must move to 15 days after it or later. A new deadline also
   * keeps the bid-preparation period counted from publication.
   */
  async assertAmendment(m: EntityManager, tender: TenderEntity, now: Date, newDeadline: Date | null): Promise<void> {
    const deadline = newDeadline ?? tender.bidDeadline;
    this.assertFuture(deadline, now, 'bidDeadline');
    if (!this.enforced) return;
    const cal = await this.calendars.calendar(m);
    const v: Violation[] = [];
    const days = tender.regime === 'ENGINEERING' ? ENGINEERING_RULES.amendMinDaysBeforeDeadline : GOV_PROCUREMENT_RULES.amendMinDaysBeforeDeadline;
    const article = tender.regime === 'ENGINEERING' ? 'TBR Art. 21' : 'GPR Art. 31; MOF87 Art. 27';
    if (!cal.isDaysBefore(now, days, deadline)) {
      v.push({
        rule: 'AMENDMENT_MIN_DAYS_BEFORE_DEADLINE',
        article,
        message: newDeadline
          ? `the new bid deadline must be at least ${days} days after the amendment (${article})`
          : `an amendment less than ${days} days before the bid deadline must move the deadline (${article})`,
        earliest: cal.earliestDeadlineDaysAfter(now, days),
      });
    }
    if (newDeadline && tender.publishedAt) {
      const prepDays = tender.regime === 'ENGINEERING' ? ENGINEERING_RULES.minBidPrepDays : GOV_PROCUREMENT_RULES.minBidPrepDays;
      const prepArticle = tender.regime === 'ENGINEERING' ? 'TBL Art. 24' : 'GPL Art. 35';
      if (!cal.keepsPeriod(tender.publishedAt, prepDays, 'CALENDAR_DAYS', newDeadline)) {
        v.push({
          rule: 'MIN_BID_PREPARATION_DAYS',
          article: prepArticle,
          message: `the bid deadline must stay at least ${prepDays} days after publication (${prepArticle})`,
          earliest: cal.earliestDeadline(tender.publishedAt, prepDays, 'CALENDAR_DAYS'),
        });
      }
    }
    this.throwIf(v);
  }

  /**
   * An objection to the documents filed at `now` (always checked against the deadline; the periods only under
   * `enforced`): engineering ≥ 10 days before the deadline (TBR Art. 22); procurement within 7 working days of the
   * end of the documents' notice period (GPL Art. 52; GPR Art. 53(1); MOF87 Art. 18).
   */
  async assertObjection(m: EntityManager, tender: TenderEntity, now: Date): Promise<void> {
    if (tender.bidDeadline.getTime() <= now.getTime()) {
      throw TenderException.legalPeriod('The bid deadline has passed', { rule: 'BEFORE_DEADLINE', article: 'TBR Art. 22' });
    }
    if (!this.enforced) return;
    const cal = await this.calendars.calendar(m);
    if (tender.regime === 'ENGINEERING') {
      const days = ENGINEERING_RULES.objectionDocsMinDaysBefore;
      if (!cal.isDaysBefore(now, days, tender.bidDeadline)) {
        this.throwIf([
          {
            rule: 'OBJECTION_MIN_DAYS_BEFORE_DEADLINE',
            article: 'TBR Art. 22',
            message: `an objection to the tender documents must be raised at least ${days} days before the bid deadline (TBR Art. 22)`,
            latest: LegalCalendar.endOf(cal.latestDayBefore(tender.bidDeadline, days)),
          },
        ]);
      }
      return;
    }
    const latest = this.challengeDeadline(cal, tender);
    if (latest && now.getTime() >= latest.getTime()) {
      this.throwIf([
        {
          rule: 'CHALLENGE_WITHIN_WORKING_DAYS',
          article: 'GPL Art. 52; GPR Art. 53(1)',
          message: `a challenge to the procurement documents must be raised within ${GOV_PROCUREMENT_RULES.challengeWithinWorkingDays} working days of the end of their notice period (GPL Art. 52; GPR Art. 53(1))`,
          latest,
        },
      ]);
    }
  }

  /** When the procuring entity must have answered: 3 days (TBR Art. 22); procurement 7 working days (GPL Art. 53). */
  async answerDueAt(m: EntityManager, tender: TenderEntity, filedAt: Date): Promise<Date> {
    const cal = await this.calendars.calendar(m);
    return tender.regime === 'ENGINEERING'
      ? cal.periodEnd(filedAt, ENGINEERING_RULES.objectionAnswerDays, 'CALENDAR_DAYS')
      : cal.periodEnd(filedAt, GOV_PROCUREMENT_RULES.challengeAnswerWorkingDays, 'WORKING_DAYS');
  }

  private challengeDeadline(cal: LegalCalendar, tender: TenderEntity): Date | null {
    if (!tender.publishedAt) return null;
    const noticeEnds = cal.lastDay(tender.publishedAt, GOV_PROCUREMENT_RULES.noticeWorkingDays, 'WORKING_DAYS');
    return cal.periodEnd(LegalCalendar.startOf(noticeEnds), GOV_PROCUREMENT_RULES.challengeWithinWorkingDays, 'WORKING_DAYS');
  }

  private assertFuture(deadline: Date, now: Date, field: string): void {
    if (deadline.getTime() <= now.getTime()) {
      throw TenderException.invalid([{ field, errors: [`${field} must be in the future (the server's clock: ${now.toISOString()})`] }]);
    }
    assertDeadlineWithinPlatformBound(deadline, now, field);
  }

  private throwIf(v: Violation[]): void {
    if (v.length === 0) return;
    throw TenderException.legalPeriod(v.map((x) => x.message).join('; '), {
      rule: v[0].rule,
      article: v[0].article,
      ...(v[0].earliest ? { earliest: v[0].earliest.toISOString() } : {}),
      ...(v[0].latest ? { latest: v[0].latest.toISOString() } : {}),
      ...(v.length > 1 ? { violations: v.map((x) => ({ rule: x.rule, article: x.article, earliest: x.earliest?.toISOString(), latest: x.latest?.toISOString() })) } : {}),
    });
  }
}

/** The platform's rule (not the law's): no deadline more than PLATFORM_RULES.maxDeadlineAheadDays ahead. */
export function assertDeadlineWithinPlatformBound(deadline: Date, now: Date, field: string): void {
  const latest = now.getTime() + PLATFORM_RULES.maxDeadlineAheadDays * 86_400_000;
  if (deadline.getTime() > latest) {
    throw TenderException.invalid([{ field, errors: [`${field} may be at most ${PLATFORM_RULES.maxDeadlineAheadDays} days ahead (a platform rule, not a statutory period)`] }]);
  }
}
