import { calibrateMarketFromBids, MIN_CALIBRATION_TENDERS } from '../../../screens';
import { computeTenderFlags } from '../tender-flags';
import { FlagCode, type FlagDraft, type PriceScreenMode, type ScoreRecord, type TenderFlagInput } from '../flag.types';
import { longestProgression } from '../prices';
import { bid, cleanTender, org, payment, rng, withBid } from './fixtures';

const codes = (flags: FlagDraft[]) => flags.map((f) => f.code);
const only = (flags: FlagDraft[], code: FlagCode) => flags.filter((f) => f.code === code);
const A = org(0).id;
const B = org(1).id;

describe('collusion flags of one tender (pure engine)', () => {
  it('a clean tender raises no flag at all', () => {
    expect(computeTenderFlags(cleanTender())).toEqual([]);
  });

  describe('SAME_DEVICE (TBR Art. 40(1)/(2))', () => {
    it('fires on the same machine code, whatever its case and spacing', () => {
      const t = withBid(cleanTender(), 1, { deviceId: ' machine-0-a ' });
      const [f] = only(computeTenderFlags(t), FlagCode.SAME_DEVICE);
      expect(f).toMatchObject({ severity: 'HIGH', bidderIds: [A, B].sort() });
      expect(f.legalBasis).toMatch(/第四十条第（一）项/);
      expect(f.evidence.matches).toEqual([expect.objectContaining({ kind: 'deviceId', value: 'MACHINE-0-A' })]);
    });
    it('fires on one shared MAC address written another way', () => {
      const t = withBid(cleanTender(), 1, { macAddresses: ['aa-bb-cc-dd-ee-01', '00-1a-2b-3c-4d-10'] });
      const [f] = only(computeTenderFlags(t), FlagCode.SAME_DEVICE);
      expect(f.evidence.matches).toEqual([expect.objectContaining({ kind: 'mac', value: '00:1A:2B:3C:4D:10' })]);
    });
    it('ignores MACs that identify no machine (zeros, broadcast, multicast)', () => {
      let t = cleanTender();
      for (const i of [0, 1]) t = withBid(t, i, { macAddresses: ['00:00:00:00:00:00', 'FF:FF:FF:FF:FF:FF', '01:00:5E:00:00:FB'] });
      expect(only(computeTenderFlags(t), FlagCode.SAME_DEVICE)).toEqual([]);
    });
    it('puts a device and a MAC shared by the same two bidders in one flag', () => {
      const t = withBid(cleanTender(), 1, { deviceId: 'MACHINE-0-A', macAddresses: ['00:1A:2B:3C:4D:10'] });
      const flags = only(computeTenderFlags(t), FlagCode.SAME_DEVICE);
      expect(flags).toHaveLength(1);
      expect((flags[0].evidence.matches as unknown[]).length).toBe(2);
    });
  });

  describe('SAME_IP (TBR Art. 40(2), supporting only)', () => {
    it('is LOW when the bids from one address came hours apart', () => {
      const t = withBid(cleanTender(), 1, { ip: '203.0.113.10' });
      expect(only(computeTenderFlags(t), FlagCode.SAME_IP)).toEqual([expect.objectContaining({ severity: 'LOW', bidderIds: [A, B].sort() })]);
    });
    it.each([
      [29, 'MEDIUM'],
      [30, 'MEDIUM'],
      [31, 'LOW'],
    ])('bids %i minutes apart → %s (near-simultaneous ≤ 30 minutes)', (minutes, severity) => {
      let t = withBid(cleanTender(), 1, { ip: '::ffff:203.0.113.10' });
      t = withBid(t, 1, { receivedAt: t.bids[0].receivedAt + (minutes as number) * 60_000 });
      expect(only(computeTenderFlags(t), FlagCode.SAME_IP)[0].severity).toBe(severity);
    });
  });

  describe('SAME_PAYER_ACCOUNT (TBR Art. 40(6))', () => {
    it('fires when two bidders’ securities come from one account (spaces and dashes ignored)', () => {
      const t: TenderFlagInput = {
        ...cleanTender(),
        payments: [payment(0, { payerAccountNo: '6222 0000 9999' }), payment(1, { payerAccountNo: '6222-0000-9999', payerIsBasicAccount: false }), payment(2)],
      };
      const [f] = only(computeTenderFlags(t), FlagCode.SAME_PAYER_ACCOUNT);
      expect(f).toMatchObject({ severity: 'HIGH', bidderIds: [A, B].sort() });
      expect(f.legalBasis).toMatch(/第四十条第（六）项/);
    });
    it('ignores a payer shared with an organisation that did not bid', () => {
      const t: TenderFlagInput = { ...cleanTender(2), payments: [payment(0, { payerAccountNo: '1' }), payment(6, { payerAccountNo: '1' })] };
      expect(only(computeTenderFlags(t), FlagCode.SAME_PAYER_ACCOUNT)).toEqual([]);
    });
  });

  describe('PAYER_NOT_BASIC_ACCOUNT (TBR Art. 26)', () => {
    it('fires for the bidder that paid from another account (engineering)', () => {
      const t: TenderFlagInput = { ...cleanTender(), payments: [payment(0, { payerAccountNo: '9999', payerIsBasicAccount: false }), payment(1)] };
      expect(only(computeTenderFlags(t), FlagCode.PAYER_NOT_BASIC_ACCOUNT)).toEqual([expect.objectContaining({ severity: 'MEDIUM', bidderIds: [A] })]);
    });
    it('does not apply to government procurement (non-cash security, GPR Art. 33) nor to an unknown payer', () => {
      const bad = [payment(0, { payerIsBasicAccount: false }), payment(1, { payerIsBasicAccount: null })];
      expect(only(computeTenderFlags({ ...cleanTender(), regime: 'GOV_PROCUREMENT', payments: bad }), FlagCode.PAYER_NOT_BASIC_ACCOUNT)).toEqual([]);
      expect(only(computeTenderFlags({ ...cleanTender(), payments: [bad[1]] }), FlagCode.PAYER_NOT_BASIC_ACCOUNT)).toEqual([]);
    });
  });

  describe('SAME_LEGAL_REPRESENTATIVE (TBR Art. 34)', () => {
    it('fires when two bidders have the same 单位负责人 (full-width and spaces ignored)', () => {
      const t: TenderFlagInput = { ...cleanTender(), organizations: cleanTender().organizations.map((o, i) => (i === 1 ? { ...o, legalRepresentative: ' 张　伟 ' } : o)) };
      const [f] = only(computeTenderFlags(t), FlagCode.SAME_LEGAL_REPRESENTATIVE);
      expect(f).toMatchObject({ severity: 'HIGH', bidderIds: [A, B].sort() });
      expect(f.legalBasis).toMatch(/第三十四条/);
    });
    it('cites GPR Art. 18 in procurement', () => {
      const t: TenderFlagInput = { ...cleanTender(), regime: 'GOV_PROCUREMENT', organizations: cleanTender().organizations.map((o) => ({ ...o, legalRepresentative: '张伟' })) };
      expect(only(computeTenderFlags(t), FlagCode.SAME_LEGAL_REPRESENTATIVE)[0].legalBasis).toMatch(/第十八条/);
    });
  });

  describe('IDENTICAL_ATTACHMENT (TBR Art. 40(4))', () => {
    it('fires on the same file hash in two bids', () => {
      const t = withBid(cleanTender(), 1, { attachmentSha256s: ['0'.repeat(64), 'e'.repeat(64)] });
      expect(only(computeTenderFlags(t), FlagCode.IDENTICAL_ATTACHMENT)).toEqual([expect.objectContaining({ severity: 'HIGH', bidderIds: [A, B].sort() })]);
    });
    it('does not fire when the shared file is the tender’s own document (the template)', () => {
      let t = withBid(cleanTender(), 0, { attachmentSha256s: ['F'.repeat(64)] });
      t = withBid(t, 1, { attachmentSha256s: ['f'.repeat(64)] });
      expect(only(computeTenderFlags(t), FlagCode.IDENTICAL_ATTACHMENT)).toEqual([]);
    });
  });

  describe('SAME_DOCUMENT_AUTHOR (TBR Art. 40(1))', () => {
    it('fires on the same author', () => {
      const t = withBid(cleanTender(), 1, { documentAuthor: '王工 ' });
      expect(only(computeTenderFlags(t), FlagCode.SAME_DOCUMENT_AUTHOR)).toEqual([expect.objectContaining({ severity: 'MEDIUM', bidderIds: [A, B].sort() })]);
    });
    it('ignores default authors that name nobody', () => {
      let t = cleanTender();
      for (const i of [0, 1, 2]) t = withBid(t, i, { documentAuthor: ['Administrator', 'administrator', '微软用户'][i] });
      t = withBid(t, 3, { documentAuthor: null });
      t = withBid(t, 4, { documentAuthor: null });
      expect(only(computeTenderFlags(t), FlagCode.SAME_DOCUMENT_AUTHOR)).toEqual([]);
    });
  });

  describe('IDENTICAL_PRICES (TBR Art. 40(4); cardinal-rs R028)', () => {
    it('fires when two bidders bid the same price to the fen', () => {
      const t = withBid(cleanTender(), 1, { price: '31250000.00' });
      expect(only(computeTenderFlags(t), FlagCode.IDENTICAL_PRICES)).toEqual([
        expect.objectContaining({ severity: 'HIGH', bidderIds: [A, B].sort(), evidence: expect.objectContaining({ price: '31250000.00' }) }),
      ]);
    });
    it('does not fire one fen apart, nor on a revoked bid', () => {
      expect(only(computeTenderFlags(withBid(cleanTender(), 1, { price: '31250000.01' })), FlagCode.IDENTICAL_PRICES)).toEqual([]);
      const revoked = withBid(cleanTender(), 1, { status: 'REVOKED', price: null });
      expect(only(computeTenderFlags(revoked), FlagCode.IDENTICAL_PRICES)).toEqual([]);
    });
  });

  describe('REGULAR_PRICE_PATTERN (TBR Art. 40(4))', () => {
    const withPrices = (prices: string[]) => prices.reduce((t, p, i) => withBid(t, i, { price: p }), cleanTender(prices.length));
    it('fires on an arithmetic run hidden among other bids (3 → MEDIUM)', () => {
      const t = withPrices(['30000000.00', '35500000.00', '36000000.00', '36500000.00', '39000000.00']);
      const [f] = only(computeTenderFlags(t), FlagCode.REGULAR_PRICE_PATTERN);
      expect(f).toMatchObject({ severity: 'MEDIUM', evidence: expect.objectContaining({ kind: 'ARITHMETIC', step: '500000.00', length: 3 }) });
      expect(f.bidderIds).toEqual([org(1).id, org(2).id, org(3).id].sort());
    });
    it('fires HIGH on four bids stepping by a constant ratio, rounded to the fen', () => {
      const prices = [0, 1, 2, 3].map((k) => (Math.round(31234567.89 * 100 * 1.015 ** k) / 100).toFixed(2));
      const t = withPrices([...prices, '39999999.99']);
      const [f] = only(computeTenderFlags(t), FlagCode.REGULAR_PRICE_PATTERN);
      expect(f).toMatchObject({ severity: 'HIGH', evidence: expect.objectContaining({ kind: 'GEOMETRIC', ratio: '1.015000', length: 4 }) });
    });
    it('does not fire when the steps differ by one fen', () => {
      const t = withPrices(['30000000.00', '35500000.00', '36000000.00', '36500000.01', '39000000.00']);
      expect(only(computeTenderFlags(t), FlagCode.REGULAR_PRICE_PATTERN)).toEqual([]);
    });
    it('longestProgression prefers the longest run', () => {
      const p = longestProgression([100n, 200n, 300n, 400n, 450n, 900n].map((x) => x * 100n));
      expect(p).toMatchObject({ kind: 'ARITHMETIC', members: [0, 1, 2, 3] });
    });
  });

  describe('CLOSE_TO_CEILING', () => {
    const withPrices = (prices: string[], ceiling = '40000000.00') => ({
      ...prices.reduce((t, p, i) => withBid(t, i, { price: p }), cleanTender(prices.length)),
      priceCeiling: ceiling,
    });
    it.each([
      ['39200000.00', true], // exactly 98 % of the ceiling: inside the band
      ['39199999.99', false], // one fen below the band
    ])('lowest bid %s → fires: %s', (lowest, fires) => {
      const t = withPrices([lowest, '39950000.00', '39600000.00', '39870000.00']);
      expect(only(computeTenderFlags(t), FlagCode.CLOSE_TO_CEILING).length).toBe(fires ? 1 : 0);
    });
    it('does not fire above the ceiling, without a ceiling, or with fewer than 3 bids', () => {
      expect(only(computeTenderFlags(withPrices(['39500000.00', '40000000.01', '39600000.00'])), FlagCode.CLOSE_TO_CEILING)).toEqual([]);
      expect(only(computeTenderFlags({ ...withPrices(['39500000.00', '39900000.00', '39600000.00']), priceCeiling: null }), FlagCode.CLOSE_TO_CEILING)).toEqual([]);
      expect(only(computeTenderFlags(withPrices(['39500000.00', '39900000.00'])), FlagCode.CLOSE_TO_CEILING)).toEqual([]);
    });
  });

  describe('PRICE_SCREEN (screens/, docs/COLLUSION_SCREENS.md)', () => {
    /** Zero-shot in a kind of market whose direction is validated (COLLUSION_SCREEN_VALIDATED_MARKETS). */
    const VALIDATED: PriceScreenMode = { mode: 'ZERO_SHOT', validated: true, labelledTenders: 3, minLabelledTenders: 30 };
    const tightPrices = ['36010000.00', '36190000.00', '36300000.00', '36420000.00', '36580000.00'];
    const tightTender = () => ({ ...tightPrices.reduce((x, p, i) => withBid(x, i, { price: p }), cleanTender()), priceCeiling: null });

    it('zero-shot without a validated direction (the default): no PRICE_SCREEN, a LOW review-only ranking entry that says so', () => {
      const flags = computeTenderFlags(tightTender());
      expect(only(flags, FlagCode.PRICE_SCREEN)).toEqual([]);
      const [r] = only(flags, FlagCode.PRICE_SCREEN_REVIEW);
      expect(r.severity).toBe('LOW');
      expect(r.evidence).toMatchObject({ mode: 'ZERO_SHOT_REVIEW_ONLY', labelledTenders: 0 });
      expect(r.evidence.score as number).toBeGreaterThanOrEqual(0.5);
      const validated = computeTenderFlags(tightTender(), { priceScreen: VALIDATED });
      expect(only(validated, FlagCode.PRICE_SCREEN_REVIEW)).toEqual([]);
      expect(only(validated, FlagCode.PRICE_SCREEN)[0].evidence).toMatchObject({ mode: 'ZERO_SHOT_VALIDATED', labelledTenders: 3, minLabelledTenders: 30 });
    });

    it('supervised: the learned score decides, and the evidence names the model, its training and the top screens', () => {
      const learned = (score: number, flag: boolean): PriceScreenMode => ({
        mode: 'SUPERVISED',
        modelVersion: 7,
        learned: {
          score,
          flag,
          threshold: 0.4,
          contributions: [
            { feature: 'logCv', contribution: 0.31, value: -5.1 },
            { feature: 'sameDevice', contribution: 0.05, value: 1 },
          ],
          model: { version: 7, selected: 'blend', trainingSize: 120, positives: 30, cvAuc: 0.8123456789, trainedAt: '2026-12-06T08:00:00.000Z', structuralFeatures: true },
        },
      });
      // The learned model may disagree with the unsupervised score: a loose tender flagged, a tight one not.
      const [f] = only(computeTenderFlags(cleanTender(), { priceScreen: learned(0.9, true) }), FlagCode.PRICE_SCREEN);
      expect(f).toMatchObject({ severity: 'MEDIUM', evidence: { mode: 'SUPERVISED', score: 0.9, threshold: 0.4, model: { version: 7, trainingSize: 120, cvAuc: 0.812346 } } });
      expect(f.evidence.topScreens).toEqual([
        { screen: 'logCv', contribution: 0.31, value: -5.1 },
        { screen: 'sameDevice', contribution: 0.05, value: 1 },
      ]);
      expect(only(computeTenderFlags(cleanTender(), { priceScreen: learned(0.5, true) }), FlagCode.PRICE_SCREEN)[0].severity).toBe('LOW');
      const notFlagged = computeTenderFlags(tightTender(), { priceScreen: learned(0.1, false) });
      expect(only(notFlagged, FlagCode.PRICE_SCREEN)).toEqual([]);
      expect(only(notFlagged, FlagCode.PRICE_SCREEN_REVIEW)).toEqual([]);
      // a market with a model, a tender without a score (fewer than 4 distinct prices): nothing, not the zero-shot screen
      const noScore = computeTenderFlags(tightTender(), { priceScreen: { mode: 'SUPERVISED', learned: null, modelVersion: 7 } });
      expect(codes(noScore).filter((c) => c.startsWith('PRICE_SCREEN'))).toEqual([]);
    });

    it('fires when the bids are compressed far below the reference spread', () => {
      const prices = ['36010000.00', '36190000.00', '36300000.00', '36420000.00', '36580000.00'];
      const t = { ...prices.reduce((x, p, i) => withBid(x, i, { price: p }), cleanTender()), priceCeiling: null };
      const [f] = only(computeTenderFlags(t, { priceScreen: VALIDATED }), FlagCode.PRICE_SCREEN);
      expect(f.severity).toBe('MEDIUM');
      expect(f.evidence.score as number).toBeGreaterThanOrEqual(0.8);
      expect(f.bidderIds).toHaveLength(5);
    });
    it('does not fire on honest dispersion or with fewer than 4 distinct prices', () => {
      expect(only(computeTenderFlags(cleanTender()), FlagCode.PRICE_SCREEN)).toEqual([]);
      expect(only(computeTenderFlags(cleanTender(3)), FlagCode.PRICE_SCREEN)).toEqual([]);
    });

    describe('calibrated on the market (the same category and regime)', () => {
      // A tender whose five bids lie within ±0.7 % of each other (CV ≈ 0.6 %).
      const prices = ['36010000.00', '36190000.00', '36300000.00', '36420000.00', '36580000.00'];
      const tight = { ...prices.reduce((x, p, i) => withBid(x, i, { price: p }), cleanTender()), priceCeiling: null };
      /** 60 past tenders of 5–9 bids whose CV is spread (log-uniformly, ×/÷ 1.5) around `cv`. */
      const history = (cv: number, seed: number) => {
        const r = rng(seed);
        return Array.from({ length: 60 }, () => {
          const c = cv * Math.exp(0.8 * (r() - 0.5));
          return Array.from({ length: 5 + Math.floor(r() * 5) }, () => {
            const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
            return 36_000_000_00 * (1 + c * z);
          });
        });
      };
      const loose = calibrateMarketFromBids(history(0.1, 1));
      const bunched = calibrateMarketFromBids(history(0.006, 2));

      it('"tight" in a loose market (typical CV 10 %) is flagged, with the calibration in the evidence', () => {
        const [f] = only(computeTenderFlags(tight, { calibration: loose, priceScreen: VALIDATED }), FlagCode.PRICE_SCREEN);
        expect(f.evidence.calibration).toMatchObject({ source: 'market', tenders: 60, minTenders: MIN_CALIBRATION_TENDERS });
        expect((f.evidence.calibration as { marketMedianCv: number }).marketMedianCv).toBeGreaterThan(0.05);
      });
      it('the same tender in a market where every tender is that tight is not flagged', () => {
        expect(only(computeTenderFlags(tight, { calibration: bunched, priceScreen: VALIDATED }), FlagCode.PRICE_SCREEN)).toEqual([]);
        expect(bunched.source).toBe('market');
      });
      it('without a calibration the fixed defaults apply, and the evidence says so', () => {
        const [f] = only(computeTenderFlags(tight, { priceScreen: VALIDATED }), FlagCode.PRICE_SCREEN);
        expect(f.evidence.calibration).toEqual({ source: 'default', tenders: 0, minTenders: MIN_CALIBRATION_TENDERS, tailShare: 0.1, referenceCv: 0.06, marketMedianCv: null });
      });
      it('a history too small to calibrate falls back to the defaults (source fallback)', () => {
        const small = calibrateMarketFromBids(history(0.006, 3).slice(0, MIN_CALIBRATION_TENDERS - 1));
        const [f] = only(computeTenderFlags(tight, { calibration: small, priceScreen: VALIDATED }), FlagCode.PRICE_SCREEN);
        expect(f.evidence.calibration).toMatchObject({ source: 'fallback', tenders: MIN_CALIBRATION_TENDERS - 1, referenceCv: 0.06 });
      });
    });
  });

  describe('EXPERT_SCORING_ANOMALY (MOF87 Art. 64; TBR Art. 71)', () => {
    const panel = (favour = 0): TenderFlagInput => {
      const scores: ScoreRecord[] = [];
      const base = [78, 70, 65, 60];
      const noise = [
        [0, 2, -1, 1],
        [1, -2, 0, 2],
        [-1, 1, 2, -2],
        [2, 0, -2, 0],
        [-2, -1, 1, -1],
      ];
      for (let m = 0; m < 5; m++) {
        for (let b = 0; b < 4; b++) {
          const boost = m === 4 && b === 3 ? favour : 0;
          scores.push({ memberId: `m${m}`, expertId: `e${m}`, memberKind: 'EXPERT', bidId: bid(b).bidId, organizationId: org(b).id, total: base[b] + noise[m][b] + boost });
        }
      }
      return { ...cleanTender(4), scores, maxTotalScore: 100 };
    };
    it('fires on the expert who lifts one bidder far above the panel', () => {
      const [f] = only(computeTenderFlags(panel(30)), FlagCode.EXPERT_SCORING_ANOMALY);
      expect(f).toMatchObject({ severity: 'MEDIUM', bidderIds: [org(3).id], expertIds: ['e4'] });
      expect(f.evidence.robustZ as number).toBeGreaterThanOrEqual(3.5);
    });
    it('does not fire on ordinary disagreement, nor on an expert who is lenient with everyone', () => {
      expect(only(computeTenderFlags(panel(0)), FlagCode.EXPERT_SCORING_ANOMALY)).toEqual([]);
      const lenient = panel(0);
      lenient.scores = lenient.scores.map((s) => (s.memberId === 'm4' ? { ...s, total: s.total + 15 } : s));
      expect(only(computeTenderFlags(lenient), FlagCode.EXPERT_SCORING_ANOMALY)).toEqual([]);
    });
    it('does not fire below a 10-point advantage on a 100-point scale', () => {
      expect(only(computeTenderFlags(panel(9)), FlagCode.EXPERT_SCORING_ANOMALY)).toEqual([]);
    });
  });

  it('never names a bidder whose bid was not opened, and names bidders as organisation ids', () => {
    const t = withBid(withBid(cleanTender(), 1, { deviceId: 'MACHINE-0-A', ip: '203.0.113.10' }), 2, { price: '31250000.00' });
    const flags = computeTenderFlags(t);
    expect(codes(flags).sort()).toEqual([FlagCode.IDENTICAL_PRICES, FlagCode.SAME_DEVICE, FlagCode.SAME_IP].sort());
    const ids = new Set(t.organizations.map((o) => o.id));
    for (const f of flags) for (const b of f.bidderIds) expect(ids.has(b)).toBe(true);
    expect(flags.map((f) => f.severity)).toEqual(['HIGH', 'HIGH', 'LOW']); // most severe first
  });
});
