import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EntityManager } from 'typeorm';
import { LegalCalendarService } from '../tenders/legal-calendar/legal-calendar.service';
import { PeriodUnit } from './refund-policy';

/**
 * The one question bid security asks the legal calendar: when does a refund period that starts at `from` end?
 * Answered by the tenders module's LegalCalendar (民法典 Arts. 201, 203: the start day is not counted; a period of
 * calendar days ending on a rest day ends on the next working day; the last day ends at 24:00 CST; working days
 * skip weekends and statutory holidays and count make-up working days).
 */
export abstract class RefundCalendar {
  abstract periodEnd(manager: EntityManager, from: Date, days: number, unit: PeriodUnit): Promise<Date>;
}

/** RefundCalendar over the tenders module's LegalCalendarService (the `legal_holidays` table). */
@Injectable()
export class LegalRefundCalendar extends RefundCalendar {
  private service: LegalCalendarService | null = null;

  constructor(private readonly moduleRef: ModuleRef) {
    super();
  }

  async periodEnd(manager: EntityManager, from: Date, days: number, unit: PeriodUnit): Promise<Date> {
    // Looked up lazily so that the two feature modules need not import each other.
    const service: LegalCalendarService = this.service ?? this.moduleRef.get(LegalCalendarService, { strict: false });
    this.service = service;
    const calendar = await service.calendar(manager);
    return calendar.periodEnd(from, days, unit);
  }
}
