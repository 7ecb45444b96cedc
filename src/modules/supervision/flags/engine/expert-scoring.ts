/**
 * EXPERT_SCORING_ANOMALY: an evaluator whose scores favour one bidder far beyond the rest of the committee
 * (MOF87 Art. 64 "评分畸高、畸低"; TBR Art. 49: evaluate only by the published criteria; TBR Art. 71 penalties).
 * Definitions and thresholds in thresholds.ts (EXPERT_*). Pure.
 */
import { FLAG_CATALOGUE } from './flag-catalogue';
import { FlagCode, type FlagDraft, type ScoreRecord, type TenderFlagInput } from './flag.types';
import { THRESHOLDS } from './thresholds';

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** 1.4826 × median absolute deviation: a robust standard deviation. */
export function robustSpread(values: number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

export interface ScoringAnomaly {
  memberId: string;
  expertId: string | null;
  memberKind: ScoreRecord['memberKind'];
  bidId: string;
  organizationId: string;
  score: number;
  othersMedian: number;
  /** The member's advantage for this bid once its general leniency is removed. */
  excess: number;
  spread: number;
  z: number;
}

export function scoringAnomalies(scores: ScoreRecord[], maxTotal: number): ScoringAnomaly[] {
  if (!(maxTotal > 0)) return [];
  const members = [...new Set(scores.map((s) => s.memberId))];
  const bids = [...new Set(scores.map((s) => s.bidId))];
  if (members.length < THRESHOLDS.expertMinMembers || bids.length < THRESHOLDS.expertMinBids) return [];
  const cell = new Map(scores.map((s) => [`${s.memberId}|${s.bidId}`, s]));
  const out: ScoringAnomaly[] = [];
  for (const m of members) {
    const diffs: Array<{ bidId: string; d: number; score: ScoreRecord; othersMedian: number; spread: number }> = [];
    for (const b of bids) {
      const mine = cell.get(`${m}|${b}`);
      if (!mine) continue;
      const others = members
        .filter((o) => o !== m)
        .map((o) => cell.get(`${o}|${b}`)?.total)
        .filter((x): x is number => x !== undefined);
      if (others.length < THRESHOLDS.expertMinMembers - 1) continue;
      const all = [mine.total, ...others];
      const othersMedian = median(others);
      diffs.push({
        bidId: b,
        d: mine.total - othersMedian,
        score: mine,
        othersMedian,
        spread: Math.max(robustSpread(all), THRESHOLDS.expertSpreadFloorShare * maxTotal),
      });
    }
    if (diffs.length < THRESHOLDS.expertMinBids) continue;
    const leniency = median(diffs.map((x) => x.d));
    for (const x of diffs) {
      const excess = x.d - leniency;
      const z = excess / x.spread;
      if (excess >= THRESHOLDS.expertMinGapShare * maxTotal && z >= THRESHOLDS.expertRobustZ) {
        out.push({
          memberId: m,
          expertId: x.score.expertId,
          memberKind: x.score.memberKind,
          bidId: x.bidId,
          organizationId: x.score.organizationId,
          score: x.score.total,
          othersMedian: x.othersMedian,
          excess,
          spread: x.spread,
          z,
        });
      }
    }
  }
  return out;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function expertScoringAnomaly(input: TenderFlagInput): FlagDraft[] {
  return scoringAnomalies(input.scores, input.maxTotalScore).map((a) => ({
    code: FlagCode.EXPERT_SCORING_ANOMALY,
    severity: 'MEDIUM',
    bidderIds: [a.organizationId],
    expertIds: a.expertId ? [a.expertId] : [],
    tenderIds: [input.tenderId],
    evidence: {
      memberId: a.memberId,
      memberKind: a.memberKind,
      bidId: a.bidId,
      score: r2(a.score),
      othersMedian: r2(a.othersMedian),
      excessOverOwnLeniency: r2(a.excess),
      panelSpread: r2(a.spread),
      robustZ: r2(a.z),
      maxTotalScore: input.maxTotalScore,
      thresholds: { robustZ: THRESHOLDS.expertRobustZ, minGapShare: THRESHOLDS.expertMinGapShare },
    },
    legalBasis: FLAG_CATALOGUE[FlagCode.EXPERT_SCORING_ANOMALY].legalBasis(input.regime),
  }));
}
