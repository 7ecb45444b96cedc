import { beijingTime, beijingTimeLabel } from 'src/common/time/beijing-time';

describe('Beijing time (UTC+8, no daylight saving) for filed documents', () => {
  it('shifts by eight hours, across the day and the year, at every precision', () => {
    expect(beijingTime('2026-12-20T01:30:00.000Z')).toBe('2026-12-20 09:30:00');
    expect(beijingTime('2026-12-31T16:00:00.123Z', 'millisecond')).toBe('2027-01-01 00:00:00.123');
    expect(beijingTime(new Date('2026-11-27T21:02:29.999Z'))).toBe('2026-11-28 05:02:29');
    expect(beijingTime('2026-11-27T08:30:59Z', 'minute')).toBe('2026-11-27 16:30');
    expect(beijingTime('2026-06-30T15:59:59.999Z', 'millisecond')).toBe('2026-06-30 23:59:59.999'); // no summer time
  });
  it('labels the zone in Chinese', () => {
    expect(beijingTimeLabel('2026-11-27T21:02:29.000Z')).toBe('2026-11-28 05:02:29（北京时间）');
  });
});
