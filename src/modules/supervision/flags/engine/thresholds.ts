/**
 * Every threshold of the flag engine, with where it comes from. "Judgement" marks a value fixed a priori (no labels
 * exist on a live platform, collusion.md §3); the reasoning is given so that a supervisor can challenge it.
 */
export const THRESHOLDS = {
  /**
   * SAME_IP is MEDIUM when two bids from one address arrived within this many minutes of each other, LOW otherwise.
   * Submission-time gaps are a top predictor (Molchanova et al. 2020, collusion.md §4); IP alone is "not enough"
   * (regulations.md §2.2, Zhangzhou case). Judgement: 30 minutes.
   */
  sameIpNearSimultaneousMinutes: 30,

  /** REGULAR_PRICE_PATTERN: the shortest progression flagged (3 bids = 2 equal steps). TBR Art. 40(4). */
  progressionMinLength: 3,
  /** …and from this length the flag is HIGH (3 equal steps among 4 bidders cannot be chance). Judgement. */
  progressionHighLength: 4,
  /**
   * Geometric steps: prices are rounded to the fen, so b(k+1) may differ from b(k)·r by the rounding of each term.
   * Allowed difference: 2 fen plus 1e-9 of the price. Arithmetic steps must be equal to the fen.
   */
  geometricToleranceFen: 2,
  geometricToleranceRelative: 1e-9,

  /**
   * CLOSE_TO_CEILING: every decrypted bid lies within this share below the price ceiling (and not above it). Bids
   * that sit just under a published ceiling are typical of rigged markets (collusion.md §2: Japan, bids under the
   * ceiling price; the same can happen under a 最高投标限价). Judgement: 2 %.
   */
  closeToCeilingBand: '0.02',
  /** …with at least this many decrypted bids (the minimum of 3 bids, TBL Art. 28). */
  closeToCeilingMinBids: 3,

  /** PRICE_SCREEN is MEDIUM from this score (collusion-score.ts REASON_LEVEL), LOW from the production threshold. */
  priceScreenMediumScore: 0.8,

  /**
   * EXPERT_SCORING_ANOMALY. For evaluator m and bid b: d = m's total − the median of the other members' totals for
   * b; a = d − the median of m's d over all bids (removes a member who is simply lenient or strict). The flag fires
   * when a ≥ expertMinGapShare × the maximum total score (a material advantage) AND a ≥ expertRobustZ × the panel's
   * robust spread for b (1.4826 × MAD of every member's total for b, at least expertSpreadFloorShare × max). 3.5 is
   * the modified-z cut-off of Iglewicz & Hoaglin (1993); 10 % of the scale is judgement (MOF87 Art. 64 "畸高、畸低"
   * names no number).
   */
  expertRobustZ: 3.5,
  expertMinGapShare: 0.1,
  expertSpreadFloorShare: 0.02,
  /** At least 3 evaluators and 2 scored bids. */
  expertMinMembers: 3,
  expertMinBids: 2,

  /**
   * SERIAL_LOSER, cardinal-rs R025 (docs/cli/indicators/R/025.md): a "top tenderer" whose number of valid bids is
   * ≥ the 75th percentile of all tenderers' counts and whose win ratio is ≤ the lower Tukey fence Q1 − 1.5·IQR of
   * all ratios. Quantiles as in cardinal-rs (statrs, R-8). Our addition: at least serialLoserMinBids valid bids, so
   * that a newcomer with a handful of bids is never named (judgement).
   */
  serialLoserPercentile: 75,
  serialLoserMinBids: 10,

  /**
   * CO_BIDDING_RING: a pair of bidders is "tied" when they bid together in ≥ ringMinCoBids awarded tenders and their
   * tender sets overlap with Jaccard ≥ ringMinJaccard (they rarely bid apart: O1117 (十一) "抱团"). A ring is a
   * connected group of tied bidders of size ringMinSize..ringMaxSize (larger components are markets, not rings).
   * Judgement; collusion.md §4 notes that network features need human review.
   */
  ringMinCoBids: 5,
  ringMinJaccard: 0.5,
  ringMinSize: 3,
  ringMaxSize: 12,

  /**
   * BID_ROTATION inside a ring (OECD "bid rotation"; Imhof, Karagök & Rutz 2018): over the awarded tenders where at
   * least rotationMinMembersPresent members of the ring bid, at least rotationMinTenders such tenders, ring members
   * won ≥ rotationMinRingWinShare of them, ≥ rotationMinDistinctWinners different members won, and no member won
   * more than rotationMaxSingleWinnerShare (turns, not one dominant firm with cover bidders). Judgement.
   */
  rotationMinMembersPresent: 3,
  rotationMinTenders: 4,
  rotationMinRingWinShare: 0.75,
  rotationMinDistinctWinners: 3,
  rotationMaxSingleWinnerShare: 0.5,
} as const;

/**
 * Document authors that identify nobody: the defaults of office software and operating systems. Two bids with
 * author "Administrator" do not share a preparer. Compared after normalisation (NFKC, trimmed, lower case).
 */
export const GENERIC_DOCUMENT_AUTHORS: ReadonlySet<string> = new Set([
  '',
  'admin',
  'administrator',
  'user',
  'owner',
  'author',
  'unknown',
  'microsoft',
  'microsoft office user',
  'windows user',
  'wps',
  'wps office',
  '微软用户',
  '微软中国',
  '用户',
  '作者',
  '未知',
  '匿名',
  'lenovo',
  'dell',
  'hp',
]);

/**
 * MAC addresses that identify no machine: all zeros, broadcast, and multicast/group addresses (the I/G bit, the
 * least significant bit of the first octet). Compared in canonical form "AA:BB:CC:DD:EE:FF".
 */
export function isIdentifyingMac(canonical: string): boolean {
  if (!/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/.test(canonical)) return false;
  if (canonical === '00:00:00:00:00:00' || canonical === 'FF:FF:FF:FF:FF:FF') return false;
  return (parseInt(canonical.slice(0, 2), 16) & 1) === 0;
}
