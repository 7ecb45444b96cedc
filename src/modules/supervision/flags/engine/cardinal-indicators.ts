/**
 * cardinal-rs indicators over the award history that the platform's data supports (peers.md §3, from cardinal-rs
 * docs/cli/indicators/R/0NN.md), as supervision flags. "Valid bid" = a decrypted bid the evaluation report did not
 * reject; "disqualified" = rejected by the report (否决投标 / 投标无效). Pure; inputs are AwardedTenderRecord with
 * the optional fields these indicators need (receipt instants, deadline, report known, price-only award, procuring
 * entity) — absent fields mean "not known", and an indicator that needs them says nothing.
 *
 * Not computed, and why (docs/COLLUSION_SCREENS.md "cardinal-rs indicators"):
 * - R003 short submission period: the statutory minimum (20 days, TBL Art. 24) is enforced at publication and on every
 *   amendment (LEGAL_PERIOD_VIOLATION); only LEGAL_PERIODS=relaxed (demos) can publish shorter periods.
 * - R018 single bid received: a tender with fewer than 3 bids is never opened (TBL Art. 28; TBR Art. 44) and fails.
 * - R048 heterogeneous supplier: needs item classifications of awarded items; tenders carry only a category (7 values).
 * - R025 and R028 are SERIAL_LOSER and IDENTICAL_PRICES; R024 and R058 are in cross-tender.ts.
 */
import { toFen } from 'src/common/money/money';
import { FLAG_CATALOGUE } from './flag-catalogue';
import { type AwardedTenderRecord, FlagCode, type FlagDraft, type Regime } from './flag.types';
import { tukeyFences } from './quantiles';

const LEGAL = (code: FlagCode) => FLAG_CATALOGUE[code].legalBasis('ENGINEERING' as Regime);

/** cardinal-rs defaults: R035 threshold (tenderers with disqualified bids), R038 minimums. */
export const R035_MIN_DISQUALIFIED_TENDERERS = 1;
export const R038_MIN_SUBMITTED_BIDS = 2;
export const R038_MIN_CONTRACTING_PROCESSES = 2;
/** Fences over fewer tenderers / entities than this are not computed (as HISTORY_MIN_TENDERS for R024/R058). */
export const R038_MIN_POPULATION = 20;

export const DEFINITIONS = {
  R030: 'cardinal-rs R030 "Late bid won": a valid bid\'s date is after tenderPeriod.endDate and its tenderer is the supplier of an active award.',
  R035: 'cardinal-rs R035 "All except winning bid disqualified": exactly one tenderer has valid bids, it is the active award\'s supplier, and at least 1 other tenderer was disqualified.',
  R036: 'cardinal-rs R036 "Lowest bid disqualified": an active award, at least one valid bid with an amount, and the lowest submitted bid disqualified (price-only award criterion).',
  R038: 'cardinal-rs R038 "Excessive disqualified bids": the ratio of disqualified to submitted bids of a tenderer (≥ 2 bids) or procuring entity (≥ 2 processes) is at or above the upper Tukey fence (Q3 + 1.5 IQR) of all ratios.',
} as const;

/** R030: the winner's bid arrived after the deadline. The platform refuses late bids by the database clock, so this is an integrity alarm. */
export function lateBidWon(tenders: AwardedTenderRecord[]): FlagDraft[] {
  const out: FlagDraft[] = [];
  for (const t of tenders) {
    if (t.bidDeadline === undefined) continue;
    const late = t.bids.filter((b) => b.organizationId === t.winnerOrganizationId && !b.disqualified && b.receivedAt !== undefined && b.receivedAt > t.bidDeadline!);
    if (!late.length) continue;
    out.push({
      code: FlagCode.LATE_BID_WON,
      severity: 'HIGH',
      bidderIds: [t.winnerOrganizationId],
      expertIds: [],
      tenderIds: [t.tenderId],
      evidence: {
        indicator: 'cardinal-rs R030',
        definition: DEFINITIONS.R030,
        bidDeadline: new Date(t.bidDeadline).toISOString(),
        receivedAt: new Date(late[0].receivedAt!).toISOString(),
        lateByMs: Math.round(late[0].receivedAt! - t.bidDeadline),
      },
      legalBasis: LEGAL(FlagCode.LATE_BID_WON),
    });
  }
  return out;
}

/** R035: every tenderer but the winner disqualified. */
export function allExceptWinnerDisqualified(tenders: AwardedTenderRecord[]): FlagDraft[] {
  const out: FlagDraft[] = [];
  for (const t of tenders) {
    if (!t.evaluated) continue;
    const valid = new Set(t.bids.filter((b) => !b.disqualified).map((b) => b.organizationId));
    const disqualified = new Set(t.bids.filter((b) => b.disqualified).map((b) => b.organizationId));
    for (const o of valid) disqualified.delete(o);
    if (valid.size !== 1 || !valid.has(t.winnerOrganizationId) || disqualified.size < R035_MIN_DISQUALIFIED_TENDERERS) continue;
    out.push({
      code: FlagCode.ALL_EXCEPT_WINNER_DISQUALIFIED,
      severity: 'MEDIUM',
      bidderIds: [t.winnerOrganizationId, ...disqualified].sort(),
      expertIds: [],
      tenderIds: [t.tenderId],
      evidence: {
        indicator: 'cardinal-rs R035',
        definition: DEFINITIONS.R035,
        winnerOrganizationId: t.winnerOrganizationId,
        disqualifiedOrganizationIds: [...disqualified].sort(),
        value: disqualified.size,
      },
      legalBasis: LEGAL(FlagCode.ALL_EXCEPT_WINNER_DISQUALIFIED),
    });
  }
  return out;
}

/** R036: under a price-only award, the lowest submitted bid was disqualified. */
export function lowestBidDisqualified(tenders: AwardedTenderRecord[]): FlagDraft[] {
  const out: FlagDraft[] = [];
  for (const t of tenders) {
    if (!t.evaluated || !t.priceOnly || !t.bids.some((b) => !b.disqualified)) continue;
    let lowest = t.bids[0];
    for (const b of t.bids) if (toFen(b.price) < toFen(lowest.price)) lowest = b;
    const tiedLowest = t.bids.filter((b) => toFen(b.price) === toFen(lowest.price));
    // Equal lowest prices: the indicator fires only when every lowest bid was disqualified.
    if (!tiedLowest.every((b) => b.disqualified)) continue;
    const winner = t.bids.find((b) => b.organizationId === t.winnerOrganizationId);
    out.push({
      code: FlagCode.LOWEST_BID_DISQUALIFIED,
      severity: 'LOW',
      bidderIds: [...new Set([...tiedLowest.map((b) => b.organizationId), t.winnerOrganizationId])].sort(),
      expertIds: [],
      tenderIds: [t.tenderId],
      evidence: {
        indicator: 'cardinal-rs R036',
        definition: DEFINITIONS.R036,
        lowestPrice: lowest.price,
        lowestOrganizationIds: tiedLowest.map((b) => b.organizationId).sort(),
        winningPrice: winner?.price ?? null,
      },
      legalBasis: LEGAL(FlagCode.LOWEST_BID_DISQUALIFIED),
    });
  }
  return out;
}

/** R038: tenderers and procuring entities whose share of disqualified bids is an upper outlier. */
export function excessiveDisqualifiedBids(tenders: AwardedTenderRecord[]): FlagDraft[] {
  const evaluated = tenders.filter((t) => t.evaluated);
  const tenderers = new Map<string, { submitted: number; disqualified: number; tenders: Set<string> }>();
  const entities = new Map<string, { submitted: number; disqualified: number; tenders: Set<string> }>();
  const add = (map: typeof tenderers, key: string, tenderId: string, submitted: number, disqualified: number) => {
    const c = map.get(key) ?? { submitted: 0, disqualified: 0, tenders: new Set<string>() };
    c.submitted += submitted;
    c.disqualified += disqualified;
    c.tenders.add(tenderId);
    map.set(key, c);
  };
  for (const t of evaluated) {
    for (const b of t.bids) add(tenderers, b.organizationId, t.tenderId, 1, b.disqualified ? 1 : 0);
    if (t.procuringEntityId) add(entities, t.procuringEntityId, t.tenderId, t.bids.length, t.bids.filter((b) => b.disqualified).length);
  }
  const out: FlagDraft[] = [];
  const level = (map: typeof tenderers, kind: 'TENDERER' | 'PROCURING_ENTITY', eligible: (c: { submitted: number; tenders: Set<string> }) => boolean) => {
    const rows = [...map.entries()].filter(([, c]) => eligible(c)).map(([id, c]) => ({ id, ...c, ratio: c.disqualified / c.submitted }));
    if (rows.length < R038_MIN_POPULATION) return;
    const f = tukeyFences(rows.map((r) => r.ratio));
    for (const r of rows) {
      // cardinal-rs: ratio ≥ upper fence. Judgement: also strictly above the third quartile, so that a degenerate
      // fence (IQR = 0, e.g. most ratios equal) does not name the majority.
      if (r.ratio < f.upper || r.ratio <= f.q3) continue;
      out.push({
        code: FlagCode.EXCESSIVE_DISQUALIFIED_BIDS,
        severity: 'LOW',
        bidderIds: kind === 'TENDERER' ? [r.id] : [],
        expertIds: [],
        tenderIds: [...r.tenders].sort(),
        evidence: {
          indicator: 'cardinal-rs R038',
          definition: DEFINITIONS.R038,
          level: kind,
          ...(kind === 'PROCURING_ENTITY' ? { procuringEntityId: r.id } : { organizationId: r.id }),
          submitted: r.submitted,
          disqualified: r.disqualified,
          ratio: Math.round(r.ratio * 1e4) / 1e4,
          upperFence: Math.round(f.upper * 1e4) / 1e4,
          population: rows.length,
        },
        legalBasis: LEGAL(FlagCode.EXCESSIVE_DISQUALIFIED_BIDS),
      });
    }
  };
  level(tenderers, 'TENDERER', (c) => c.submitted >= R038_MIN_SUBMITTED_BIDS);
  level(entities, 'PROCURING_ENTITY', (c) => c.tenders.size >= R038_MIN_CONTRACTING_PROCESSES);
  return out;
}

export function cardinalIndicators(tenders: AwardedTenderRecord[]): FlagDraft[] {
  return [...lateBidWon(tenders), ...allExceptWinnerDisqualified(tenders), ...lowestBidDisqualified(tenders), ...excessiveDisqualifiedBids(tenders)];
}
