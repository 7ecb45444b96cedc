import { createHash } from 'crypto';
import { canonicalJson } from '../../audit/canonical-json';
import { type qualificationReview } from '../qualification/post-qualification';
import { type BidOutcome, type EvaluationOutcome, type EvaluationTerms, type MemberVerdict, RejectionGround } from '../scoring/evaluation-engine';

/** The inputs of the report, gathered by the finalisation in one transaction. */
export interface ReportInput {
  version: number;
  generatedAt: string;
  tender: {
    id: string;
    title: string;
    category: string;
    regime: string;
    method: string;
    budget: string;
    priceCeiling: string | null;
    bidDeadline: string;
    openedAt: string | null;
    procuringEntity: { id: string; name: string; uscc: string };
  };
  terms: EvaluationTerms;
  draw: { drawId: string; algorithm: string; seedCommitment: string } | null;
  panelSize: number;
  members: Array<{
    memberId: string;
    expertId: string | null;
    name: string;
    specialty: string | null;
    title: string | null;
    status: string;
    replacedBy: string | null;
    declineReason: string | null;
  }>;
  openingRecord: Array<{ bidId: string; bidderName: string; price: string | null; status: string; receivedAt: string }>;
  outcome: EvaluationOutcome;
  verdicts: MemberVerdict[];
  clarifications: Array<{
    id: string;
    bidId: string;
    bidderName: string;
    kind: string;
    item: string;
    question: string;
    legalBasis: string;
    deadline: string;
    requestedBy: string;
    response: string | null;
    attachments: Array<{ name: string; sha256: string }>;
    respondedAt: string | null;
    panelDecision: string | null;
    panelDecisionNote: string | null;
  }>;
  signatures: Array<{ memberId: string; name: string; signedAt: string; dissent: string | null }>;
  /** 资格后审 with published criteria: each member's finding per criterion per bid (absent without criteria). */
  qualificationReview?: ReturnType<typeof qualificationReview> | null;
  competitionDecision: {
    decision: 'REJECT_ALL' | 'CONTINUE';
    votes: { rejectAll: number; continue: number };
    reasons: Array<{ memberId: string; decision: string; reason: string }>;
  } | null;
}

/**
 * 评标报告 (EvaluationReport) as data. Its sections are the ten contents PB12 Art. 42 requires (regulations.md row
 * 84): 1 basic data, 2 the committee, 3 the opening record, 4 the compliant bids, 5 the rejected bids with reasons,
 * 6 the criteria, 7 the price or score table, 8 the ranking, 9 the recommended candidates, 10 the clarification
 * minutes — then the signatures and dissents (PB12 Art. 43), and the outcome.
 */
export function buildEvaluationReport(input: ReportInput): EvaluationReportContent {
  return reportContent(input);
}

function reportContent(input: ReportInput) {
  const o = input.outcome;
  const failed = o.competition.status === 'FAILED' || input.competitionDecision?.decision === 'REJECT_ALL';
  const memberName = new Map(input.members.map((m) => [m.memberId, m.name]));
  const sitting = input.members.filter((m) => m.status === 'ACCEPTED' || m.status === 'COMPLETED');
  const expertSeats = sitting.length;
  const scoreRow = (b: BidOutcome) => ({
    bidId: b.bidId,
    bidderName: b.bidderName,
    price: b.price,
    ...(o.method === 'COMPREHENSIVE_SCORING' ? { priceScore: b.priceScore, factorScores: b.factorScores, totalScore: b.totalScore } : { evaluatedPrice: b.evaluatedPrice }),
    rank: b.rank,
  });
  return {
    kind: 'EVALUATION_REPORT',
    version: input.version,
    generatedAt: input.generatedAt,
    outcome: failed ? 'FAILED' : 'CANDIDATES',
    // 1. 基本情况和数据表
    basicData: {
      tenderId: input.tender.id,
      title: input.tender.title,
      category: input.tender.category,
      regime: input.tender.regime,
      tenderMethod: input.tender.method,
      budget: input.tender.budget,
      priceCeiling: input.tender.priceCeiling,
      bidDeadline: input.tender.bidDeadline,
      openedAt: input.tender.openedAt,
      procuringEntity: input.tender.procuringEntity,
    },
    // 2. 评标委员会成员名单 (with the traceable draw and every replacement, TBR Art. 48)
    committee: {
      size: input.panelSize,
      sittingExperts: expertSeats,
      representativeSeatsNotSeated: Math.max(0, input.panelSize - expertSeats),
      draw: input.draw,
      members: sitting.map((m) => ({ memberId: m.memberId, name: m.name, specialty: m.specialty, title: m.title })),
      changes: input.members
        .filter((m) => m.status !== 'ACCEPTED' && m.status !== 'COMPLETED')
        .map((m) => ({ memberId: m.memberId, name: m.name, status: m.status, reason: m.declineReason, replacedBy: m.replacedBy })),
    },
    // 3. 开标记录
    openingRecord: input.openingRecord,
    // 4. 符合要求的投标一览表
    compliantBids: o.bids.filter((b) => b.valid).map((b) => ({ bidId: b.bidId, bidderName: b.bidderName, price: b.price, votes: b.votes })),
    // 5. 否决投标的情况说明
    rejectedBids: [
      ...o.bids
        .filter((b) => !b.valid)
        .map((b) => ({
          bidId: b.bidId,
          bidderName: b.bidderName,
          price: b.price,
          automatic: b.rejection!.automatic,
          grounds: b.rejection!.grounds,
          groundsText: b.rejection!.grounds.map(groundText),
          reasons: b.rejection!.reasons,
          votes: b.votes,
        })),
    ],
    notEvaluated: o.notEvaluated,
    // 6. 评标标准、评标方法或者评标因素一览表
    criteria: {
      method: input.terms.method,
      priceWeight: input.terms.priceWeight,
      factors: input.terms.factors,
      priceCeiling: input.terms.priceCeiling,
      rules: criteriaText(input.terms),
      // 资格后审: the published qualification criteria, each member's finding with its reason, the panel's conclusion.
      ...(input.qualificationReview ? { qualificationReview: input.qualificationReview } : {}),
    },
    // 7. 经评审的价格或者评分比较一览表 (and each member's own sheet: members score independently)
    scoreTable: o.ranking.map(scoreRow),
    scoreSheets: sitting.map((m) => ({
      memberId: m.memberId,
      name: m.name,
      verdicts: input.verdicts
        .filter((v) => v.memberId === m.memberId)
        .map((v) => ({ bidId: v.bidId, qualified: v.qualified, grounds: v.grounds, reasons: v.reasons, factorScores: v.factorScores })),
    })),
    // 8. 经评审的投标人排序
    ranking: failed ? [] : o.ranking.map((b) => ({ rank: b.rank, bidId: b.bidId, bidderName: b.bidderName, price: b.price, score: b.totalScore })),
    // 9. 推荐的中标候选人名单 (at most 3, TBR Art. 53)
    candidates: failed ? [] : o.candidates,
    // 10. 澄清、说明、补正事项纪要
    clarifications: input.clarifications,
    competition: {
      validBids: o.validCount,
      status: o.competition.status,
      basis: o.competition.basis,
      panelDecision: input.competitionDecision,
    },
    notes: o.notes,
    // PB12 Art. 43: every member signs; a dissent is written with its reasons.
    signatures: input.signatures,
    dissents: input.signatures.filter((s) => s.dissent).map((s) => ({ memberId: s.memberId, name: s.name || memberName.get(s.memberId), dissent: s.dissent })),
    failure: failed
      ? {
          reason:
            input.competitionDecision?.decision === 'REJECT_ALL'
              ? `the committee rejected all bids for lack of competition (PB12 Art. 27): ${input.competitionDecision.reasons.map((r) => r.reason).join('; ')}`
              : o.competition.basis,
        }
      : null,
  };
}

/**
 * The signed content of an evaluation report (stored in `evaluation_reports.content`, hashed into `sha256`): the
 * sections of PB12 Art. 42 as built above; on a tender with lots, the lot it concerns.
 */
export type EvaluationReportContent = ReturnType<typeof reportContent> & { lot?: { lotNo: number; title: string; budget: string } };

export function reportSha256(content: EvaluationReportContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

const GROUND_TEXT: Record<RejectionGround, string> = {
  [RejectionGround.NO_SEAL_OR_SIGNATURE]: '投标文件未经投标单位盖章和单位负责人签字（招标投标法实施条例第五十一条第一项）',
  [RejectionGround.NO_CONSORTIUM_AGREEMENT]: '投标联合体没有提交共同投标协议（第五十一条第二项）',
  [RejectionGround.QUALIFICATION_NOT_MET]: '投标人不符合国家或者招标文件规定的资格条件（第五十一条第三项）',
  [RejectionGround.MULTIPLE_BIDS_OR_PRICES]: '同一投标人提交两个以上不同的投标文件或者投标报价（第五十一条第四项）',
  [RejectionGround.PRICE_BELOW_COST]: '投标报价低于成本（第五十一条第五项）',
  [RejectionGround.PRICE_ABOVE_CEILING]: '投标报价高于招标文件设定的最高投标限价（第五十一条第五项）',
  [RejectionGround.NOT_RESPONSIVE]: '投标文件没有对招标文件的实质性要求和条件作出响应（第五十一条第六项）',
  [RejectionGround.COLLUSION_OR_FRAUD]: '投标人有串通投标、弄虚作假、行贿等违法行为（第五十一条第七项）',
  [RejectionGround.PRICE_ABOVE_BUDGET]: '投标报价超过招标文件中规定的预算金额（财政部令第87号第六十三条第四项）',
};

export function groundText(g: RejectionGround): string {
  return GROUND_TEXT[g] ?? g;
}

function criteriaText(t: EvaluationTerms): string[] {
  const out = [
    t.priceCeiling ? `最高投标限价 ${t.priceCeiling} 元，超过者否决（招标投标法实施条例第五十一条第五项）` : '未设最高投标限价',
    '资格后审：评标委员会按招标文件规定的资格条件审查（招标投标法实施条例第二十条），少数服从多数',
  ];
  if (t.method === 'LOWEST_EVALUATED_PRICE') {
    out.push('经评审的最低投标价法：满足实质性要求的投标按评审价由低到高排序；评审价相同的并列');
  } else {
    out.push(
      `综合评分法：价格分 = 评标基准价 ÷ 投标报价 × ${t.priceWeight} × 100，评标基准价为满足要求的最低投标报价（财政部令第87号第五十五条）`,
      '其他评审因素按招标文件公布的分值由各成员独立评分，取算术平均值',
      '得分相同的，按投标报价由低到高排序；得分且投标报价相同的并列（财政部令第87号第五十六条）',
    );
  }
  return out;
}
