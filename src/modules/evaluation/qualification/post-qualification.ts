import { type QualificationCriterion } from 'src/modules/tenders/tender.enums';

/** One member's finding on one published criterion for one bid (资格后审). */
export interface CriterionFinding {
  code: string;
  met: boolean;
  reason: string;
}

/**
 * The published rule of post-qualification (资格后审), stated in the tender view and in the report:
 * the panel reviews each bid after opening against the criteria the tender published (TBR Art. 20) and no other
 * (TBR Art. 49); each member records met / not met per criterion with a reason; a member finds a bid qualified only
 * when it meets every criterion; the bid passes when more than half of the sitting members find it qualified (the
 * committee's majority rule, as for every verdict of the evaluation engine); a bid that does not pass is rejected
 * (TBR Art. 51(3)).
 */
export const POST_QUALIFICATION_RULE =
  '资格后审：评标委员会在开标后按招标文件载明的资格条件逐项审查（招标投标法实施条例第二十条），不得采用招标文件未规定的条件（第四十九条）；' +
  '每位成员对每项条件逐一判定“满足/不满足”并说明理由；某成员认为全部条件均满足的，该成员结论为合格；认为合格的成员超过半数的，投标人资格审查合格（少数服从多数）；' +
  '不合格的投标予以否决（第五十一条第三项）。';

/**
 * Checks a member's findings against the published criteria: every criterion exactly once, no other. Returns the
 * problems (field, errors) — empty when the findings are complete.
 */
export function checkFindings(criteria: QualificationCriterion[], findings: CriterionFinding[] | undefined): Array<{ field: string; errors: string[] }> {
  if (!criteria.length) {
    return findings?.length ? [{ field: 'criteria', errors: ['this tender published no qualification criteria: record qualified with reasons instead'] }] : [];
  }
  if (!findings?.length) {
    return [{ field: 'criteria', errors: [`record met / not met with a reason for every published criterion: ${criteria.map((c) => c.code).join(', ')}`] }];
  }
  const published = new Set(criteria.map((c) => c.code));
  const given = findings.map((f) => f.code);
  const out: string[] = [];
  const unknown = given.filter((c) => !published.has(c));
  if (unknown.length) out.push(`not published criteria: ${unknown.join(', ')} (TBR Art. 49: only the published criteria count)`);
  const missing = [...published].filter((c) => !given.includes(c));
  if (missing.length) out.push(`missing criteria: ${missing.join(', ')}`);
  if (new Set(given).size !== given.length) out.push('each criterion once');
  return out.length ? [{ field: 'criteria', errors: out }] : [];
}

export interface QualificationReviewInput {
  criteria: QualificationCriterion[];
  bids: Array<{ bidId: string; bidderName: string }>;
  members: Array<{ memberId: string; name: string }>;
  findings: Array<CriterionFinding & { memberId: string; bidId: string }>;
}

/** The report's section: per bid, per criterion, each member's finding and reason, and the panel's conclusion. */
export function qualificationReview(input: QualificationReviewInput) {
  const sitting = input.members.length;
  const memberName = new Map(input.members.map((m) => [m.memberId, m.name]));
  const sittingIds = new Set(input.members.map((m) => m.memberId));
  return {
    rule: POST_QUALIFICATION_RULE,
    legalBasis: ['TBR Art. 20', 'TBR Art. 49', 'TBR Art. 51(3)'],
    criteria: input.criteria,
    bids: input.bids.map((b) => {
      const mine = input.findings.filter((f) => f.bidId === b.bidId && sittingIds.has(f.memberId));
      const criteria = input.criteria.map((c) => {
        const fs = mine.filter((f) => f.code === c.code);
        const met = fs.filter((f) => f.met).length;
        return {
          code: c.code,
          type: c.type,
          requirement: c.requirement,
          met,
          notMet: fs.length - met,
          conclusion: met * 2 > sitting ? 'MET' : 'NOT_MET',
          findings: fs.map((f) => ({ memberId: f.memberId, name: memberName.get(f.memberId) ?? '', met: f.met, reason: f.reason })),
        };
      });
      // A member finds the bid qualified when it found every criterion met.
      const qualifiedBy = input.members.filter((m) => input.criteria.every((c) => mine.some((f) => f.memberId === m.memberId && f.code === c.code && f.met))).length;
      return {
        bidId: b.bidId,
        bidderName: b.bidderName,
        criteria,
        membersFindingQualified: qualifiedBy,
        conclusion: qualifiedBy * 2 > sitting ? 'QUALIFIED' : 'NOT_QUALIFIED',
        reasons: criteria.filter((c) => c.conclusion === 'NOT_MET').flatMap((c) => c.findings.filter((f) => !f.met).map((f) => `${c.code} ${c.requirement}：${f.reason}`)),
      };
    }),
  };
}
