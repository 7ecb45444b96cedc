import { NULL_LEVELS, NULL_NS, NULL_STATISTICS, nullPercentile, nullRowFor, simulateNullRow } from 'src/modules/supervision/screens/null-model';
import { NULL_TABLE } from 'src/modules/supervision/screens/null-table';

describe('null model (independent bidding reference, no labels)', () => {
  it('the shipped table is exactly what the generator produces (n = 4 and 5 regenerated)', () => {
    expect(simulateNullRow(4)).toEqual(NULL_TABLE[4]);
    expect(simulateNullRow(5)).toEqual(NULL_TABLE[5]);
  });

  it('every tabulated n has non-decreasing quantiles for every statistic', () => {
    for (const n of NULL_NS) {
      for (const k of NULL_STATISTICS) {
        const q = NULL_TABLE[n][k];
        expect(q).toHaveLength(NULL_LEVELS.length);
        for (let i = 1; i < q.length; i++) expect(q[i]).toBeGreaterThanOrEqual(q[i - 1]);
      }
    }
  });

  it('the null is sensible: median skewness ≈ 0, median RD falls with n', () => {
    const mid = NULL_LEVELS.indexOf(0.5);
    for (const n of [5, 10, 20]) expect(Math.abs(NULL_TABLE[n].skew[mid])).toBeLessThan(0.03);
    expect(NULL_TABLE[4].rd[mid]).toBeGreaterThan(NULL_TABLE[10].rd[mid]);
    expect(NULL_TABLE[10].rd[mid]).toBeGreaterThan(NULL_TABLE[30].rd[mid]);
  });

  it('rows: nearest tabulated n at or below; none below 4', () => {
    expect(nullRowFor(NULL_TABLE, 3)).toBeNull();
    expect(nullRowFor(NULL_TABLE, 33)).toBe(NULL_TABLE[30]);
    expect(nullRowFor(NULL_TABLE, 500)).toBe(NULL_TABLE[100]);
  });

  it('percentile interpolation', () => {
    const q = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    expect(nullPercentile(q, -1)).toBeCloseTo(0.005, 12);
    expect(nullPercentile(q, 99)).toBeCloseTo(0.995, 12);
    expect(nullPercentile(q, 6)).toBeCloseTo(0.5, 12);
    expect(nullPercentile(q, 6.5)).toBeCloseTo(0.55, 12);
    const tied = [0, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    expect(nullPercentile(tied, 1)).toBeCloseTo((0.05 + 0.2) / 2, 12);
  });
});
