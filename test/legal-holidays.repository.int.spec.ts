/**
 * LegalHolidaysRepository against the real PostgreSQL (schema from the migrations): the statements the legal
 * calendar's periods (TBL Art. 24, GPL Art. 45) and refund deadlines are computed from.
 */
import { type DataSource } from 'typeorm';
import { LegalHolidaysRepository } from 'src/modules/tenders/legal-calendar/legal-holidays.repository';
import { eventually } from './helpers/chaos';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('LegalHolidaysRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: LegalHolidaysRepository;
  let ds: DataSource;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    repo = t.app.get(LegalHolidaysRepository);
    ds = t.dataSource;
  });
  afterAll(async () => t?.close());

  it('replaces a year: its days in date order with their kinds, the year loaded at the database clock', async () => {
    const before = (await ds.query(`SELECT clock_timestamp() AS now`))[0].now as Date;
    await ds.transaction((m) =>
      repo.replaceYear(m, {
        year: 2031,
        source: '国务院办公厅关于2031年部分节假日安排的通知（第一稿）',
        holidays: [
          { day: '2031-10-02', name: '国庆节' },
          { day: '2031-10-01', name: '国庆节' },
        ],
        workdays: [{ day: '2031-09-27', name: '国庆节调休' }],
      }),
    );
    expect(await repo.days(ds.manager, 2031)).toEqual([
      { day: '2031-09-27', kind: 'WORKDAY', name: '国庆节调休' },
      { day: '2031-10-01', kind: 'HOLIDAY', name: '国庆节' },
      { day: '2031-10-02', kind: 'HOLIDAY', name: '国庆节' },
    ]);
    const year = await repo.findYear(ds.manager, 2031);
    expect(year?.source).toContain('第一稿');
    expect(year!.loadedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());

    // The second notice replaces the first: no day of the first survives, the source and instant move.
    await ds.transaction((m) => repo.replaceYear(m, { year: 2031, source: '（第二稿）', holidays: [{ day: '2031-05-01', name: '劳动节' }], workdays: [] }));
    expect(await repo.days(ds.manager, 2031)).toEqual([{ day: '2031-05-01', kind: 'HOLIDAY', name: '劳动节' }]);
    const again = await repo.findYear(ds.manager, 2031);
    expect(again?.source).toBe('（第二稿）');
    expect(again!.loadedAt.getTime()).toBeGreaterThanOrEqual(year!.loadedAt.getTime());
  });

  it('a year with no days is still a loaded year; an unknown year is null', async () => {
    await ds.transaction((m) => repo.replaceYear(m, { year: 2032, source: '无调休', holidays: [], workdays: [] }));
    expect(await repo.days(ds.manager, 2032)).toEqual([]);
    const years = await repo.loadedYears(ds.manager);
    expect(years).toEqual(expect.arrayContaining([2031, 2032]));
    expect(years).toEqual([...years].sort((a, b) => a - b));
    expect(await repo.findYear(ds.manager, 1999)).toBeNull();
    const all = await repo.days(ds.manager);
    expect(all.map((d) => d.day)).toEqual([...all.map((d) => d.day)].sort());
  });

  it('a rejected batch changes nothing (a day outside the DATE range fails the whole replacement)', async () => {
    const before = await repo.days(ds.manager, 2031);
    await expect(ds.transaction((m) => repo.replaceYear(m, { year: 2031, source: '坏数据', holidays: [{ day: '2031-02-30', name: 'x' }], workdays: [] }))).rejects.toThrow();
    expect(await repo.days(ds.manager, 2031)).toEqual(before);
    expect((await repo.findYear(ds.manager, 2031))?.source).toBe('（第二稿）');
  });

  it('one writer at a time: a second writer waits on the lock until the first commits', async () => {
    const q1 = ds.createQueryRunner();
    await q1.connect();
    await q1.startTransaction();
    await repo.lockForWrite(q1.manager);
    let secondDone = false;
    let secondPid: number | undefined;
    const second = ds.transaction(async (m) => {
      const [{ pid }] = await m.query(`SELECT pg_backend_pid() AS pid`);
      secondPid = pid;
      await repo.lockForWrite(m);
      secondDone = true;
    });
    // The second transaction is seen waiting on the advisory lock, not merely slow.
    await eventually(
      async () =>
        secondPid !== undefined &&
        (await ds.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`, [secondPid])).length > 0,
      10_000,
      'the second writer waiting on the advisory lock',
    );
    expect(secondDone).toBe(false);
    await q1.commitTransaction();
    await q1.release();
    await second;
    expect(secondDone).toBe(true);
  });
});
