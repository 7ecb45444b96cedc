import { type QualificationCriterion } from 'src/modules/tenders/tender.enums';
import { checkFindings, qualificationReview } from '../post-qualification';

const criteria: QualificationCriterion[] = [
  { code: 'Q1', type: 'QUALIFICATION_CERTIFICATE', requirement: '二级及以上资质', evidence: '资质证书' },
  { code: 'Q2', type: 'PROJECT_MANAGER', requirement: '二级建造师', evidence: '注册证书' },
];

describe('post-qualification with published criteria (资格后审)', () => {
  it('requires every published criterion exactly once, and no other (TBR Art. 49)', () => {
    expect(
      checkFindings(criteria, [
        { code: 'Q1', met: true, reason: 'ok' },
        { code: 'Q2', met: false, reason: 'no' },
      ]),
    ).toEqual([]);
    expect(checkFindings(criteria, undefined)[0].field).toBe('criteria');
    expect(checkFindings(criteria, [{ code: 'Q1', met: true, reason: 'ok' }])[0].errors.join()).toContain('missing criteria: Q2');
    expect(
      checkFindings(criteria, [
        { code: 'Q1', met: true, reason: 'ok' },
        { code: 'Q2', met: true, reason: 'ok' },
        { code: 'Q3', met: true, reason: 'x' },
      ])[0].errors.join(),
    ).toContain('not published');
    expect(
      checkFindings(criteria, [
        { code: 'Q1', met: true, reason: 'ok' },
        { code: 'Q1', met: true, reason: 'ok' },
        { code: 'Q2', met: true, reason: 'ok' },
      ])[0].errors,
    ).toContain('each criterion once');
    expect(checkFindings([], [{ code: 'Q1', met: true, reason: 'ok' }])).toHaveLength(1);
    expect(checkFindings([], undefined)).toEqual([]);
  });

  const review = (notMetBy: number, members = 5) =>
    qualificationReview({
      criteria,
      bids: [{ bidId: 'b1', bidderName: '甲公司' }],
      members: Array.from({ length: members }, (_, i) => ({ memberId: `m${i}`, name: `专家${i}` })),
      findings: Array.from({ length: members }, (_, i) => [
        { memberId: `m${i}`, bidId: 'b1', code: 'Q1', met: true, reason: '满足' },
        { memberId: `m${i}`, bidId: 'b1', code: 'Q2', met: i >= notMetBy, reason: i >= notMetBy ? '满足' : '专业不符' },
      ]).flat(),
    }).bids[0];

  it('concludes by the majority of the sitting members: 2 of 5 not met → qualified; 3 of 5 → not (boundary)', () => {
    expect(review(2).conclusion).toBe('QUALIFIED');
    expect(review(2).membersFindingQualified).toBe(3);
    expect(review(3).conclusion).toBe('NOT_QUALIFIED');
    expect(review(3).criteria[1]).toMatchObject({ code: 'Q2', met: 2, notMet: 3, conclusion: 'NOT_MET' });
    expect(review(3).reasons).toEqual(['Q2 二级建造师：专业不符', 'Q2 二级建造师：专业不符', 'Q2 二级建造师：专业不符']);
  });

  it('a tie is not a majority (4 members, 2 against): not qualified', () => {
    expect(review(2, 4).conclusion).toBe('NOT_QUALIFIED');
  });
});
