/**
 * Flags over the award history (O1117 (十一): "陪标专业户", "抱团", rotation among winners) and the cardinal-rs
 * price indicators whose fences are computed over all tenders (R024, R058; peers.md §3). Input: the awarded
 * tenders, each with its single active award and its decrypted ("valid") bids. Pure; thresholds in thresholds.ts.
 *
 * cardinal-rs exclusions kept (docs/cli/indicators/R/024.md, 025.md): a tender whose award is pending or
 * defaulted is not in the input; a tender has one active award (unique index on awards); one organisation per bid.
 */
import { fromFen, toFen } from 'src/common/money/money';
import { FLAG_CATALOGUE } from './flag-catalogue';
import { type AwardedTenderRecord, FlagCode, type FlagDraft, type Regime } from './flag.types';
import { quantileR8, tukeyFences } from './quantiles';
import { THRESHOLDS } from './thresholds';
import { cardinalIndicators } from './cardinal-indicators';

/** Fences over fewer observations than this are not computed (judgement: quartiles of a handful mean nothing). */
export const HISTORY_MIN_TENDERS = 20;
/**
 * SERIAL_LOSER: cardinal-rs's own example override of the R025 ratio fence (docs/cli/indicators/R/025.md
 * "threshold = 0.05"), used when the Tukey fence is ≤ 0 — which it is whenever many tenderers win rarely, as on a
 * platform with ten bidders a lot, and would then name nobody.
 */
export const SERIAL_LOSER_FALLBACK_RATIO = 0.05;
/**
 * SERIAL_LOSER chance guard: the probability of winning so few times by chance, given the number of competitors in
 * each tender entered (Poisson-binomial with pᵢ = 1/kᵢ), must be at most this. Judgement: with 2,000 honest
 * tenderers about two would pass by chance, and they must also be outliers by R025.
 */
export const SERIAL_LOSER_MAX_CHANCE = 0.001;

const LEGAL = (code: FlagCode) => FLAG_CATALOGUE[code].legalBasis('ENGINEERING' as Regime);

interface Indexed {
  orgIds: string[];
  orgIndex: Map<string, number>;
  /** Per org: the indices of the tenders it bid in. */
  tendersOf: number[][];
  /** Per tender: the distinct org indices that bid. */
  biddersOf: number[][];
}

function index(tenders: AwardedTenderRecord[]): Indexed {
  const orgIndex = new Map<string, number>();
  const orgIds: string[] = [];
  const tendersOf: number[][] = [];
  const biddersOf: number[][] = [];
  tenders.forEach((t, ti) => {
    const seen = new Set<number>();
    for (const b of t.bids) {
      let oi = orgIndex.get(b.organizationId);
      if (oi === undefined) {
        oi = orgIds.length;
        orgIndex.set(b.organizationId, oi);
        orgIds.push(b.organizationId);
        tendersOf.push([]);
      }
      if (seen.has(oi)) continue; // each tenderer once per tender (cardinal-rs R025)
      seen.add(oi);
      tendersOf[oi].push(ti);
    }
    biddersOf.push([...seen]);
  });
  return { orgIds, orgIndex, tendersOf, biddersOf };
}

/** P(X ≤ k) for a sum of independent Bernoulli(pᵢ) (Poisson-binomial), by dynamic programming. */
export function poissonBinomialCdf(ps: number[], k: number): number {
  const dp = new Float64Array(k + 1);
  dp[0] = 1;
  for (const p of ps) {
    for (let j = k; j >= 0; j--) dp[j] = dp[j] * (1 - p) + (j > 0 ? dp[j - 1] * p : 0);
  }
  let s = 0;
  for (let j = 0; j <= k; j++) s += dp[j];
  return Math.min(1, s);
}

/**
 * SERIAL_LOSER (cardinal-rs R025 "Excessive unsuccessful bids"): a top tenderer — number of valid bids ≥ the
 * 75th percentile of all tenderers' counts, and ≥ THRESHOLDS.serialLoserMinBids — whose win ratio is ≤ the lower
 * Tukey fence of all ratios (SERIAL_LOSER_FALLBACK_RATIO when that fence is ≤ 0), and unlikely by chance.
 */
export function serialLosers(tenders: AwardedTenderRecord[], ix = index(tenders)): FlagDraft[] {
  if (tenders.length < HISTORY_MIN_TENDERS || ix.orgIds.length === 0) return [];
  const wins = new Array<number>(ix.orgIds.length).fill(0);
  tenders.forEach((t) => {
    const w = ix.orgIndex.get(t.winnerOrganizationId);
    if (w !== undefined) wins[w]++;
  });
  const counts = ix.tendersOf.map((ts) => ts.length);
  const ratios = counts.map((c, i) => wins[i] / c);
  const topFence = quantileR8(counts, THRESHOLDS.serialLoserPercentile / 100);
  const f = tukeyFences(ratios);
  const fence = f.lower > 0 ? f.lower : SERIAL_LOSER_FALLBACK_RATIO;
  const out: FlagDraft[] = [];
  for (let i = 0; i < ix.orgIds.length; i++) {
    const n = counts[i];
    if (n < topFence || n < THRESHOLDS.serialLoserMinBids || ratios[i] > fence) continue;
    const ps = ix.tendersOf[i].map((ti) => 1 / ix.biddersOf[ti].length);
    const chance = poissonBinomialCdf(ps, wins[i]);
    if (chance > SERIAL_LOSER_MAX_CHANCE) continue;
    const tenderIds = ix.tendersOf[i].map((ti) => tenders[ti].tenderId);
    out.push({
      code: FlagCode.SERIAL_LOSER,
      severity: 'LOW',
      bidderIds: [ix.orgIds[i]],
      expertIds: [],
      tenderIds: [...tenderIds].sort(),
      evidence: {
        validBids: n,
        wins: wins[i],
        winRatio: round(ratios[i]),
        expectedWins: round(ps.reduce((a, b) => a + b, 0)),
        chance: Number(chance.toPrecision(3)),
        topTendererFence: round(topFence),
        ratioFence: { q1: round(f.q1), q3: round(f.q3), lower: round(f.lower), applied: round(fence), fallback: f.lower <= 0 },
        tenderers: ix.orgIds.length,
        indicator: 'cardinal-rs R025',
      },
      legalBasis: LEGAL(FlagCode.SERIAL_LOSER),
    });
  }
  return out;
}

export interface Ring {
  members: number[];
  pairs: Array<{ a: number; b: number; coBids: number; jaccard: number }>;
}

/** CO_BIDDING_RING: connected groups of bidders tied by repeated co-bidding (THRESHOLDS.ring*). */
export function findRings(ix: Indexed): Ring[] {
  const n = ix.orgIds.length;
  const co = new Map<number, number>();
  for (const bidders of ix.biddersOf) {
    for (let x = 0; x < bidders.length; x++) {
      for (let y = x + 1; y < bidders.length; y++) {
        const a = Math.min(bidders[x], bidders[y]);
        const b = Math.max(bidders[x], bidders[y]);
        const key = a * n + b;
        co.set(key, (co.get(key) ?? 0) + 1);
      }
    }
  }
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const tied: Ring['pairs'] = [];
  for (const [key, c] of co) {
    if (c < THRESHOLDS.ringMinCoBids) continue;
    const a = Math.floor(key / n);
    const b = key % n;
    const jaccard = c / (ix.tendersOf[a].length + ix.tendersOf[b].length - c);
    if (jaccard < THRESHOLDS.ringMinJaccard) continue;
    tied.push({ a, b, coBids: c, jaccard });
    parent[find(a)] = find(b);
  }
  const groups = new Map<number, number[]>();
  for (const p of tied) {
    for (const i of [p.a, p.b]) {
      const r = find(i);
      const g = groups.get(r) ?? [];
      if (!g.includes(i)) g.push(i);
      groups.set(r, g);
    }
  }
  const rings: Ring[] = [];
  for (const [root, members] of groups) {
    if (members.length < THRESHOLDS.ringMinSize || members.length > THRESHOLDS.ringMaxSize) continue;
    rings.push({ members: members.sort((x, y) => x - y), pairs: tied.filter((p) => find(p.a) === root) });
  }
  return rings;
}

/** Tenders where at least rotationMinMembersPresent members of the ring bid. */
function ringTenders(ring: Ring, ix: Indexed): number[] {
  const count = new Map<number, number>();
  for (const m of ring.members) for (const ti of ix.tendersOf[m]) count.set(ti, (count.get(ti) ?? 0) + 1);
  const need = Math.min(THRESHOLDS.rotationMinMembersPresent, ring.members.length);
  return [...count.entries()]
    .filter(([, c]) => c >= need)
    .map(([ti]) => ti)
    .sort((a, b) => a - b);
}

export function coBiddingRings(tenders: AwardedTenderRecord[], ix = index(tenders), rings = findRings(ix)): FlagDraft[] {
  return rings.map((ring) => {
    const together = ringTenders(ring, ix);
    const members = ring.members.map((m) => ix.orgIds[m]);
    return {
      code: FlagCode.CO_BIDDING_RING,
      severity: 'LOW',
      bidderIds: [...members].sort(),
      expertIds: [],
      tenderIds: together.map((ti) => tenders[ti].tenderId).sort(),
      evidence: {
        members: ring.members.map((m) => ({ organizationId: ix.orgIds[m], validBids: ix.tendersOf[m].length })),
        ties: ring.pairs.map((p) => ({ a: ix.orgIds[p.a], b: ix.orgIds[p.b], coBids: p.coBids, jaccard: round(p.jaccard) })),
        tendersTogether: together.length,
        thresholds: { minCoBids: THRESHOLDS.ringMinCoBids, minJaccard: THRESHOLDS.ringMinJaccard },
      },
      legalBasis: LEGAL(FlagCode.CO_BIDDING_RING),
    };
  });
}

/** BID_ROTATION: inside a ring, the members take turns winning the tenders they bid on together. */
export function bidRotation(tenders: AwardedTenderRecord[], ix = index(tenders), rings = findRings(ix)): FlagDraft[] {
  const out: FlagDraft[] = [];
  for (const ring of rings) {
    const together = ringTenders(ring, ix);
    if (together.length < THRESHOLDS.rotationMinTenders) continue;
    const memberSet = new Set(ring.members.map((m) => ix.orgIds[m]));
    const winsBy = new Map<string, number>();
    const sequence = together
      .map((ti) => tenders[ti])
      .sort((a, b) => a.awardedAt - b.awardedAt)
      .map((t) => ({ tenderId: t.tenderId, awardedAt: new Date(t.awardedAt).toISOString(), winner: t.winnerOrganizationId, ringWon: memberSet.has(t.winnerOrganizationId) }));
    for (const s of sequence) if (s.ringWon) winsBy.set(s.winner, (winsBy.get(s.winner) ?? 0) + 1);
    const ringWins = [...winsBy.values()].reduce((a, b) => a + b, 0);
    const share = ringWins / together.length;
    const maxSingle = Math.max(0, ...winsBy.values()) / together.length;
    if (share < THRESHOLDS.rotationMinRingWinShare || winsBy.size < THRESHOLDS.rotationMinDistinctWinners || maxSingle > THRESHOLDS.rotationMaxSingleWinnerShare) {
      continue;
    }
    out.push({
      code: FlagCode.BID_ROTATION,
      severity: 'MEDIUM',
      bidderIds: [...memberSet].sort(),
      expertIds: [],
      tenderIds: sequence.map((s) => s.tenderId).sort(),
      evidence: {
        tendersTogether: together.length,
        ringWinShare: round(share),
        distinctWinners: winsBy.size,
        maxSingleWinnerShare: round(maxSingle),
        winsByMember: Object.fromEntries([...winsBy.entries()].sort()),
        sequence,
      },
      legalBasis: LEGAL(FlagCode.BID_ROTATION),
    });
  }
  return out;
}

interface Gap {
  tender: AwardedTenderRecord;
  winnerPrice: bigint;
  second: { organizationId: string; price: bigint };
  ratio: number;
}

/**
 * (2nd-lowest valid bid − winning bid) / winning bid per tender, as cardinal-rs computes it for R024/R058: only when
 * the winner's bid is there and no other bid is lower (otherwise the award was not on price alone).
 */
export function secondLowestGaps(tenders: AwardedTenderRecord[]): Gap[] {
  const out: Gap[] = [];
  for (const t of tenders) {
    const winner = t.bids.find((b) => b.organizationId === t.winnerOrganizationId);
    if (!winner) continue;
    const w = toFen(winner.price);
    let second: Gap['second'] | null = null;
    for (const b of t.bids) {
      if (b.organizationId === t.winnerOrganizationId) continue;
      const p = toFen(b.price);
      if (!second || p < second.price) second = { organizationId: b.organizationId, price: p };
    }
    if (!second || second.price < w || w <= 0n) continue;
    out.push({ tender: t, winnerPrice: w, second, ratio: Number(second.price - w) / Number(w) });
  }
  return out;
}

/** R024 (price close to winning bid, ratio ≤ lower fence) and R058 (heavily discounted bid, ratio ≥ upper fence > 0). */
export function priceGapOutliers(tenders: AwardedTenderRecord[]): FlagDraft[] {
  const gaps = secondLowestGaps(tenders);
  if (gaps.length < HISTORY_MIN_TENDERS) return [];
  const f = tukeyFences(gaps.map((g) => g.ratio));
  const out: FlagDraft[] = [];
  for (const g of gaps) {
    const evidence = {
      ratio: round(g.ratio, 6),
      winnerOrganizationId: g.tender.winnerOrganizationId,
      secondOrganizationId: g.second.organizationId,
      winningPrice: fromFen(g.winnerPrice),
      secondLowestPrice: fromFen(g.second.price),
      fences: { q1: round(f.q1, 6), q3: round(f.q3, 6), lower: round(f.lower, 6), upper: round(f.upper, 6) },
      tendersCompared: gaps.length,
    };
    if (g.ratio <= f.lower) {
      out.push({
        code: FlagCode.PRICE_CLOSE_TO_WINNING_BID,
        severity: 'LOW',
        bidderIds: [g.tender.winnerOrganizationId, g.second.organizationId].sort(),
        expertIds: [],
        tenderIds: [g.tender.tenderId],
        evidence: { ...evidence, indicator: 'cardinal-rs R024' },
        legalBasis: LEGAL(FlagCode.PRICE_CLOSE_TO_WINNING_BID),
      });
    }
    // "Skip if 75% of contracting processes have no percentage difference" (cardinal-rs r058.rs).
    if (f.upper > 0 && g.ratio >= f.upper) {
      out.push({
        code: FlagCode.HEAVILY_DISCOUNTED_BID,
        severity: 'LOW',
        bidderIds: [g.tender.winnerOrganizationId],
        expertIds: [],
        tenderIds: [g.tender.tenderId],
        evidence: { ...evidence, indicator: 'cardinal-rs R058' },
        legalBasis: LEGAL(FlagCode.HEAVILY_DISCOUNTED_BID),
      });
    }
  }
  return out;
}

/** Every history flag: serial losers, co-bidding rings, bid rotation, R024 and R058, and cardinal-indicators.ts (R030, R035, R036, R038). */
export function computeHistoryFlags(tenders: AwardedTenderRecord[]): FlagDraft[] {
  const ix = index(tenders);
  const rings = findRings(ix);
  return [...serialLosers(tenders, ix), ...coBiddingRings(tenders, ix, rings), ...bidRotation(tenders, ix, rings), ...priceGapOutliers(tenders), ...cardinalIndicators(tenders)];
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
