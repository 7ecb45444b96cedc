import { checkPanelComposition } from '../draw/panel-composition';

const panel = (regime: 'ENGINEERING' | 'GOV_PROCUREMENT', budget: string, size: number, experts = size) =>
  checkPanelComposition({ regime, budget, panelSize: size, panelSpecialties: [{ code: 'A08', count: experts }] });

describe('the committee the law allows (TBL Art. 37; MOF87 Art. 47)', () => {
  it.each([
    [4, false],
    [5, true],
    [6, false],
    [7, true],
  ])('engineering, %i members → lawful: %s (≥ 5 and odd)', (size, ok) => {
    expect(panel('ENGINEERING', '40000000.00', size).violations.length === 0).toBe(ok);
  });

  it.each([
    ['9999999.99', 5, true],
    ['10000000.00', 5, false],
    ['10000000.01', 5, false],
    ['10000000.00', 7, true],
  ])('procurement with a budget of %s and %i members → lawful: %s (≥ 7 from ¥10m)', (budget, size, ok) => {
    const v = panel('GOV_PROCUREMENT', budget, size).violations;
    expect(v.length === 0).toBe(ok);
    if (!ok) expect(v.join()).toMatch(/at least 7.*MOF87 Art\. 47/);
  });

  it.each([
    [5, 3, false],
    [5, 4, true],
    [9, 5, false],
    [9, 6, true],
    [9, 7, true],
  ])('%i members with %i experts → lawful: %s (experts ≥ 2/3)', (size, experts, ok) => {
    const c = panel('ENGINEERING', '1.00', size, experts);
    expect(c.violations.length === 0).toBe(ok);
    expect(c.representativeSeats).toBe(size - experts);
  });

  it('more expert seats than members is refused', () => {
    expect(panel('ENGINEERING', '1.00', 5, 6).violations.join()).toMatch(/exceed/);
  });
});
