import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { HolidayYear } from './default-holidays';
import { LocalDate } from './legal-calendar';

export type LegalDayKind = 'HOLIDAY' | 'WORKDAY';

/** A row of `legal_holidays`: a public holiday (法定节假日) or a make-up working day (调休上班). */
export interface LegalDayRow {
  day: LocalDate;
  kind: LegalDayKind;
  name: string;
}

/** A row of `legal_holiday_years`: which years are loaded, from which notice, when. */
export interface LegalHolidayYearRow {
  year: number;
  source: string;
  loadedAt: Date;
}

/**
 * Owns `legal_holidays` and `legal_holiday_years` (the legal calendar the periods of TBL Art. 24 / GPL Art. 45 and
 * the refund deadlines count working days on). Every statement takes the caller's EntityManager, so that it runs in
 * the caller's transaction.
 */
@Injectable()
export class LegalHolidaysRepository {
  /** One writer of the calendar at a time (start-up seeding of several processes, an ADMIN's upload). */
  async lockForWrite(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('legal-holidays', 7))`);
  }

  async loadedYears(m: EntityManager): Promise<number[]> {
    const rows: Array<{ year: number }> = await m.query(`SELECT year FROM legal_holiday_years ORDER BY year`);
    return rows.map((r) => r.year);
  }

  async findYear(m: EntityManager, year: number): Promise<LegalHolidayYearRow | null> {
    const [row]: Array<{ year: number; source: string; loaded_at: Date }> = await m.query(`SELECT year, source, loaded_at FROM legal_holiday_years WHERE year = $1`, [year]);
    return row ? { year: row.year, source: row.source, loadedAt: new Date(row.loaded_at) } : null;
  }

  /** Every day of the calendar (all years), or one year's in date order. */
  async days(m: EntityManager, year?: number): Promise<LegalDayRow[]> {
    return year === undefined
      ? m.query(`SELECT day::text AS day, kind, name FROM legal_holidays ORDER BY day`)
      : m.query(`SELECT day::text AS day, kind, name FROM legal_holidays WHERE year = $1 ORDER BY day`, [year]);
  }

  /** Replaces a year's days and records the year as loaded now (database clock). */
  async replaceYear(m: EntityManager, y: HolidayYear): Promise<void> {
    await m.query(`DELETE FROM legal_holidays WHERE year = $1`, [y.year]);
    const rows: LegalDayRow[] = [...y.holidays.map((d) => ({ ...d, kind: 'HOLIDAY' as const })), ...y.workdays.map((d) => ({ ...d, kind: 'WORKDAY' as const }))];
    if (rows.length) {
      await m.query(
        `INSERT INTO legal_holidays (day, year, kind, name)
         SELECT d::date, $1, k, n FROM unnest($2::text[], $3::text[], $4::text[]) AS x(d, k, n)`,
        [y.year, rows.map((r) => r.day), rows.map((r) => r.kind), rows.map((r) => r.name)],
      );
    }
    await m.query(
      `INSERT INTO legal_holiday_years (year, source, loaded_at) VALUES ($1, $2, clock_timestamp())
       ON CONFLICT (year) DO UPDATE SET source = EXCLUDED.source, loaded_at = EXCLUDED.loaded_at`,
      [y.year, y.source],
    );
  }
}
