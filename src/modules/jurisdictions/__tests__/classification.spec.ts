import { checkSubClass, Sector, sectorOf } from 'src/modules/tenders/business-classification';
import { electronicShares } from 'src/modules/transparency/statistics/statistics.service';

describe('classes and sub-classes of business', () => {
  it('accepts a sub-class of its own class only', () => {
    expect(checkSubClass('CONSTRUCTION_WORKS', 'WATER')).toEqual([]);
    expect(checkSubClass('CONSTRUCTION_WORKS', undefined)).toEqual([]);
    expect(checkSubClass('GOODS', 'WATER')[0]).toContain('belongs to the class CONSTRUCTION_WORKS');
    expect(checkSubClass('GOODS', 'NOPE')[0]).toContain('unknown sub-class');
  });

  it('gives the regulator: procurement is the finance department’s whatever the sub-class (GPL Art. 13 (not in regulations.md; from the statute text))', () => {
    expect(sectorOf('ENGINEERING', 'CONSTRUCTION_WORKS', 'TRANSPORT')).toBe(Sector.TRANSPORT);
    expect(sectorOf('ENGINEERING', 'CONSTRUCTION_WORKS', null)).toBe(Sector.HOUSING);
    expect(sectorOf('GOV_PROCUREMENT', 'CONSTRUCTION_WORKS', 'WATER')).toBe(Sector.FINANCE);
    expect(sectorOf('ENGINEERING', 'LAND_AND_MINING_RIGHTS', null)).toBe(Sector.NATURAL_RESOURCES);
  });

  it('computes the electronic share per class and sub-class, with 4 decimals', () => {
    const r = electronicShares(
      [
        { category: 'CONSTRUCTION_WORKS', sub_class: 'WORKS_SUPERVISION', tenders: 11 },
        { category: 'CONSTRUCTION_WORKS', sub_class: null, tenders: 1 },
      ],
      [
        { category: 'CONSTRUCTION_WORKS', sub_class: 'WORKS_SUPERVISION', projects: 9 },
        { category: 'GOODS', sub_class: 'GOODS', projects: 2 },
      ],
    );
    expect(r.byClass).toEqual([
      { category: 'CONSTRUCTION_WORKS', name: '工程建设', electronic: 12, offline: 9, electronicShare: '0.5714' },
      { category: 'GOODS', name: '货物', electronic: 0, offline: 2, electronicShare: '0.0000' },
    ]);
    expect(r.bySubClass.map((x) => [x.subClass, x.electronicShare])).toEqual([
      ['WORKS_SUPERVISION', '0.5500'],
      ['UNSPECIFIED', '1.0000'],
      ['GOODS', '0.0000'],
    ]);
  });
});
