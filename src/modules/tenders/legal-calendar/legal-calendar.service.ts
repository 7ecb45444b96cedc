import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { TenderException } from '../tender.exception';
import { DEFAULT_HOLIDAY_YEARS, HolidayYear } from './default-holidays';
import { LegalCalendar } from './legal-calendar';
import { LegalHolidaysRepository } from './legal-holidays.repository';

export interface HolidayYearView {
  year: number;
  source: string;
  loadedAt: string;
  holidays: Array<{ day: string; name: string }>;
  workdays: Array<{ day: string; name: string }>;
}

/** The legal calendar backed by the `legal_holidays` table, which the operator (ADMIN) loads year by year. */
@Injectable()
export class LegalCalendarService implements OnApplicationBootstrap {
  private readonly logger = new Logger(LegalCalendarService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly holidays: LegalHolidaysRepository,
  ) {}

  /** Seeds the default years that are missing (the migration seeds them too; a test database is emptied). */
  async onApplicationBootstrap(): Promise<void> {
    await this.tx.run(async (m) => {
      await this.holidays.lockForWrite(m);
      const loaded = new Set(await this.holidays.loadedYears(m));
      for (const y of DEFAULT_HOLIDAY_YEARS) {
        if (loaded.has(y.year)) continue;
        await this.holidays.replaceYear(m, y);
        await this.audit.append(m, {
          actor: SYSTEM_ACTOR,
          action: 'LEGAL_HOLIDAYS_LOADED',
          objectType: 'legal_holidays',
          objectId: String(y.year),
          data: { year: y.year, source: y.source, holidays: y.holidays.length, workdays: y.workdays.length, default: true },
        });
      }
    });
  }

  /** The calendar as it stands in the database now (inside the caller's transaction when given). */
  async calendar(manager?: EntityManager): Promise<LegalCalendar> {
    const m = manager ?? this.tx.manager;
    const days = await this.holidays.days(m);
    return new LegalCalendar({
      holidays: days.filter((d) => d.kind === 'HOLIDAY').map((d) => d.day),
      workdays: days.filter((d) => d.kind === 'WORKDAY').map((d) => d.day),
      years: await this.holidays.loadedYears(m),
    });
  }

  async getYear(year: number): Promise<HolidayYearView> {
    const meta = await this.holidays.findYear(this.tx.manager, year);
    if (!meta) throw new NotFoundException(`The holiday arrangement of ${year}`);
    const days = await this.holidays.days(this.tx.manager, year);
    return {
      year,
      source: meta.source,
      loadedAt: meta.loadedAt.toISOString(),
      holidays: days.filter((d) => d.kind === 'HOLIDAY').map(({ day, name }) => ({ day, name })),
      workdays: days.filter((d) => d.kind === 'WORKDAY').map(({ day, name }) => ({ day, name })),
    };
  }

  /** Replaces a year's arrangement (the State Council's yearly notice), audited. */
  async replaceYear(input: HolidayYear, actor: Actor): Promise<HolidayYearView> {
    const problems: Array<{ field: string; errors: string[] }> = [];
    const seen = new Set<string>();
    for (const [field, list] of [
      ['holidays', input.holidays],
      ['workdays', input.workdays],
    ] as const) {
      list.forEach((d, i) => {
        const errors: string[] = [];
        if (!LegalCalendar.isValidDay(d.day)) errors.push('day must be a date YYYY-MM-DD');
        else if (Number(d.day.slice(0, 4)) !== input.year) errors.push(`day must be in ${input.year}`);
        else if (field === 'workdays' && ![0, 6].includes(new Date(`${d.day}T00:00:00Z`).getUTCDay())) {
          errors.push('a make-up working day (调休上班) is a Saturday or a Sunday');
        }
        if (seen.has(d.day)) errors.push('each day may appear once, as a holiday or as a working day');
        seen.add(d.day);
        if (errors.length) problems.push({ field: `${field}.${i}.day`, errors });
      });
    }
    if (problems.length) throw TenderException.invalid(problems);
    await this.tx.run(async (m) => {
      await this.holidays.lockForWrite(m);
      await this.holidays.replaceYear(m, input);
      await this.audit.append(m, {
        actor,
        action: 'LEGAL_HOLIDAYS_LOADED',
        objectType: 'legal_holidays',
        objectId: String(input.year),
        data: { year: input.year, source: input.source, holidays: input.holidays.map((d) => d.day), workdays: input.workdays.map((d) => d.day) },
      });
    });
    this.logger.log(`loaded the holiday arrangement of ${input.year} (${input.holidays.length} holidays, ${input.workdays.length} make-up working days)`);
    return this.getYear(input.year);
  }
}
