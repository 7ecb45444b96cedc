import { type LocalDate } from './legal-calendar';

export interface HolidayYear {
  year: number;
  source: string;
  holidays: Array<{ day: LocalDate; name: string }>;
  workdays: Array<{ day: LocalDate; name: string }>;
}

const range = (from: string, to: string, name: string) => {
  const out: Array<{ day: LocalDate; name: string }> = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000)) {
    out.push({ day: d.toISOString().slice(0, 10), name });
  }
  return out;
};

/**
 * The default arrangement, the same data the migration 1764200300000 seeds: re-seeded at start-up when the year
 * is missing (a test database is emptied between runs). Source: 国务院办公厅关于2026年部分节假日安排的通知
 * (2025-11-04), verified against the Xinhua text reprinted by gmw.cn; every date is from that notice.
 * 2027 is not included: its notice was not found; the operator loads it with PUT /admin/holidays/2027.
 */
export const DEFAULT_HOLIDAY_YEARS: HolidayYear[] = [
  {
    year: 2026,
    source: '国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)',
    holidays: [
      ...range('2026-01-01', '2026-01-03', '元旦'),
      ...range('2026-02-15', '2026-02-23', '春节'),
      ...range('2026-04-04', '2026-04-06', '清明节'),
      ...range('2026-05-01', '2026-05-05', '劳动节'),
      ...range('2026-06-19', '2026-06-21', '端午节'),
      ...range('2026-09-25', '2026-09-27', '中秋节'),
      ...range('2026-10-01', '2026-10-07', '国庆节'),
    ],
    workdays: [
      { day: '2026-01-04', name: '元旦调休上班' },
      { day: '2026-02-14', name: '春节调休上班' },
      { day: '2026-02-28', name: '春节调休上班' },
      { day: '2026-05-09', name: '劳动节调休上班' },
      { day: '2026-09-20', name: '国庆节调休上班' },
      { day: '2026-10-10', name: '国庆节调休上班' },
    ],
  },
];
