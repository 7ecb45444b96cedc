/**
 * Collusion flags at scale: 10,000 tenders / 100,000 bids, synthetic, with planted collusion.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/flags.bench.ts \
 *     [--tenders 10000] [--bids-per-tender 10] [--firms 2000] [--no-db]
 *
 * 1. engine: the pure engine (src/modules/supervision/flags/engine) over every tender — structural rules, price rules
 *    with the price screens calibrated on the tender's market (MarketCalibrations: each market's history of screens
 *    computed once, each tender calibrated on its market without itself, as FlagsService does), expert scoring — and
 *    the history flags (serial losers, rings, rotation, R024/R058);
 * 2. db (unless --no-db): the same data written into the real tables of a bench database `ebidding_bench_flags`
 *    (created and migrated when missing, emptied first), then loaded with FlagInputsRepository (the service's own
 *    SQL, including each market's price history), computed, and stored with the service's bulk writes in one
 *    transaction, each step timed; then a few single-tender runs as the flag job does them (its own market history
 *    loaded and calibrated for one tender), to show what one job costs at this scale.
 * Planted cases give each flag's recall on this data, and the clean tenders its false-positive rate.
 * `runFlagsBench()` is what `npm run bench` calls.
 */
import 'reflect-metadata';
import { createHash } from 'crypto';
import { cpus } from 'os';
import { DataSource } from 'typeorm';
import { fromFen } from '../src/common/money/money';
import { AppConfig } from '../src/infra/config/app-config';
import { dataSourceOptions } from '../src/infra/database/data-source';
import {
  type AwardedTenderRecord,
  computeHistoryFlags,
  computeTenderFlags,
  FlagCode,
  type FlagDraft,
  type ScoreRecord,
  type TenderFlagInput,
  type PriceScreenMode,
} from '../src/modules/supervision/flags/engine';
import { FlagInputsRepository, type MarketPrices, type StoredTenderFlagInput } from '../src/modules/supervision/flags/flag-inputs.repository';
import { CollusionFlagsRepository } from '../src/modules/supervision/flags/collusion-flags.repository';
import { type Market, MarketCalibrations } from '../src/modules/supervision/flags/market-calibrations';
import { type MarketCalibration, mulberry32 } from '../src/modules/supervision/screens';
import { prepareDatabase } from '../scripts/prepare-db';
import { benchDatabaseUrl } from './bench-db';

/** The flags' store, outside Nest. */
const flagStore = new CollusionFlagsRepository();

export interface FlagsBenchOptions {
  tenders?: number;
  bidsPerTender?: number;
  firms?: number;
  seed?: number;
  /** Also write the data into PostgreSQL and time load + compute + store. Default true. */
  db?: boolean;
  /** Defaults to postgres://postgres@127.0.0.1:5432/ebidding_bench_flags */
  databaseUrl?: string;
  log?: (line: string) => void;
}

export interface FlagsBenchResult {
  name: 'collusion-flags';
  tenders: number;
  bids: number;
  firms: number;
  engine: {
    /** Building each market's history (the screens of every tender of the market, sorted once). */
    calibrationMs: number;
    tenderFlagsMs: number;
    historyFlagsMs: number;
    totalMs: number;
    flags: Record<string, number>;
  };
  /** The price screen's calibration per market: tenders in the market, and how many tenders were scored on 'market'. */
  calibration: { markets: Record<string, number>; calibratedTenders: number; fallbackTenders: number };
  db: null | {
    insertSeconds: number;
    loadMs: number;
    /** The markets' price histories (FlagInputsRepository.marketPrices) and their screens. */
    calibrationMs: number;
    computeMs: number;
    storeMs: number;
    totalMs: number;
    flagsStored: number;
    /** One tender as the flag job computes it (its input, its market's history and calibration, flags, store), median of 5. */
    singleTenderJobMs: number;
  };
  /** Per planted kind: planted tenders (or firms/rings) and the share where the expected code fired. */
  recall: Record<string, { planted: number; found: number }>;
  /** Per code: the share of clean tenders (nothing planted) where it fired. */
  cleanFireRate: Record<string, number>;
  node: string;
  cpus: string;
}

/**
 * The synthetic markets plant low-dispersion collusion, the direction the unsupervised screen assumes: the bench
 * measures that screen as in a kind of market whose direction is validated (COLLUSION_SCREEN_VALIDATED_MARKETS), so
 * it raises PRICE_SCREEN; in an unvalidated market the same tenders get PRICE_SCREEN_REVIEW (issue 14).
 */
const BENCH_PRICE_SCREEN: PriceScreenMode = { mode: 'ZERO_SHOT', validated: true, labelledTenders: 0, minLabelledTenders: 30 };

type Plant =
  | 'SAME_LEGAL_REPRESENTATIVE'
  | 'SAME_DEVICE'
  | 'SAME_PAYER_ACCOUNT'
  | 'IDENTICAL_ATTACHMENT'
  | 'SAME_DOCUMENT_AUTHOR'
  | 'IDENTICAL_PRICES'
  | 'REGULAR_PRICE_PATTERN'
  | 'CLOSE_TO_CEILING'
  | 'PRICE_SCREEN'
  | 'EXPERT_SCORING_ANOMALY';
const PLANTS: Array<[Plant, number]> = [
  ['SAME_LEGAL_REPRESENTATIVE', 0.01],
  ['SAME_DEVICE', 0.03],
  ['SAME_PAYER_ACCOUNT', 0.02],
  ['IDENTICAL_ATTACHMENT', 0.01],
  ['SAME_DOCUMENT_AUTHOR', 0.01],
  ['IDENTICAL_PRICES', 0.01],
  ['REGULAR_PRICE_PATTERN', 0.01],
  ['CLOSE_TO_CEILING', 0.01],
  ['PRICE_SCREEN', 0.01],
  ['EXPERT_SCORING_ANOMALY', 0.01],
];
const RINGS = 25;
const RING_SIZE = 4;
const RING_TENDERS = 12;
const SERIAL_LOSERS = 20;
const SERIAL_LOSER_TENDERS = 120;
const SHARED_REP_PAIRS = 20;
const SCORED_SHARE = 0.2;

interface Firm {
  id: string;
  name: string;
  legalRepresentative: string;
  basicAccountNo: string;
  ip: string;
  deviceId: string;
  mac: string;
  author: string;
}

interface Dataset {
  firms: Firm[];
  inputs: TenderFlagInput[];
  history: AwardedTenderRecord[];
  planted: Map<string, Plant>;
  /** Tenders with a ring or a serial loser in them (not clean either). */
  historyPlanted: Set<string>;
  rings: string[][];
  serialLosers: string[];
  sharedRepPairs: Array<[string, string]>;
}

/** Three markets (the same regime): the price screen is calibrated per category and regime. */
const CATEGORIES = ['CONSTRUCTION_WORKS', 'GOODS', 'SERVICES'];

const uuid = (kind: number, i: number) => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Deterministic synthetic data: independent honest bidding plus planted collusion of every kind. */
export function synthesize(o: { tenders: number; bidsPerTender: number; firms: number; seed: number }): Dataset {
  const r = mulberry32(o.seed);
  const int = (n: number) => Math.floor(r() * n);
  const firms: Firm[] = Array.from({ length: o.firms }, (_, i) => ({
    id: uuid(0xf1, i),
    name: `基准投标人${i}有限公司`,
    legalRepresentative: `法人${i}`,
    basicAccountNo: `62${(1e12 + i).toFixed(0)}`,
    ip: `10.${(i >> 8) & 255}.${i & 255}.${1 + (i % 200)}`,
    deviceId: `DEV-${i.toString(36).toUpperCase()}-${sha(`d${i}`).slice(0, 8)}`,
    mac: `00:16:3E:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`.toUpperCase(),
    author: `编制人${i}`,
  }));
  // Shared legal representatives: pairs of firms with one 单位负责人 (TBR Art. 34).
  const sharedRepPairs: Array<[string, string]> = [];
  for (let p = 0; p < SHARED_REP_PAIRS; p++) {
    const a = firms[100 + 2 * p];
    const b = firms[101 + 2 * p];
    b.legalRepresentative = a.legalRepresentative;
    sharedRepPairs.push([a.id, b.id]);
  }
  const rings = Array.from({ length: RINGS }, (_, k) => Array.from({ length: RING_SIZE }, (_, j) => firms[200 + k * RING_SIZE + j].id));
  const serialLosers = Array.from({ length: SERIAL_LOSERS }, (_, k) => firms[400 + k].id);
  const honest = firms.slice(500).map((f) => f.id); // firms never used in plants
  const byId = new Map(firms.map((f) => [f.id, f]));

  // Which tenders carry a ring, a serial loser, a planted kind.
  const ringOf = new Map<number, { ring: number; turn: number }>();
  rings.forEach((_, k) => {
    for (let j = 0; j < RING_TENDERS; j++) ringOf.set(k * 40 + j * 3 + 7, { ring: k, turn: j % RING_SIZE });
  });
  const losersOf = new Map<number, string[]>();
  serialLosers.forEach((id, k) => {
    for (let j = 0; j < SERIAL_LOSER_TENDERS; j++) {
      const ti = (k * 977 + j * 131 + 5000) % o.tenders;
      losersOf.set(ti, [...(losersOf.get(ti) ?? []), id]);
    }
  });

  const inputs: TenderFlagInput[] = [];
  const history: AwardedTenderRecord[] = [];
  const planted = new Map<string, Plant>();
  const historyPlanted = new Set<string>();
  for (let t = 0; t < o.tenders; t++) {
    const tenderId = uuid(0x7e, t);
    const ceilingFen = BigInt(500_000_000 + int(4_500_000_000)); // 5 m – 50 m yuan
    const ringTurn = ringOf.get(t);
    const ring = ringTurn?.ring;
    const chosen = new Set<string>(ring !== undefined ? rings[ring] : []);
    for (const l of losersOf.get(t) ?? []) if (chosen.size < o.bidsPerTender - 1) chosen.add(l);
    while (chosen.size < o.bidsPerTender) chosen.add(honest[int(honest.length)]);
    // A planted kind in clean background tenders only (not ring or serial-loser tenders).
    let plant: Plant | undefined;
    if (ring === undefined && !losersOf.has(t)) {
      let x = r();
      for (const [p, share] of PLANTS) {
        if (x < share) {
          plant = p;
          break;
        }
        x -= share;
      }
    }
    if (plant) planted.set(tenderId, plant);
    if (ring !== undefined || losersOf.has(t)) historyPlanted.add(tenderId);
    const bidders = [...chosen];
    if (plant === 'SAME_LEGAL_REPRESENTATIVE') {
      const [a, b] = sharedRepPairs[int(sharedRepPairs.length)];
      if (!bidders.includes(a) && !bidders.includes(b)) [bidders[0], bidders[1]] = [a, b];
    }
    // Honest prices: independent, 70–98 % of the ceiling, to the fen.
    const prices = bidders.map(() => (ceilingFen * BigInt(7_000_000 + int(2_800_000))) / 10_000_000n);
    if (ring !== undefined) {
      // the ring's designated winner bids lowest; covers bunch above it
      const turn = ringTurn!.turn;
      const base = (ceilingFen * 80n) / 100n;
      bidders.forEach(
        (_, i) => (prices[i] = i < RING_SIZE ? (i === turn ? base : base + (ceilingFen * BigInt(8 + i)) / 100n) : prices[i] < base ? base + ceilingFen / 10n : prices[i]),
      );
    }
    for (const l of losersOf.get(t) ?? []) {
      const i = bidders.indexOf(l);
      if (i >= 0) prices[i] = ceilingFen; // the cover bid at the cap
    }
    if (plant === 'IDENTICAL_PRICES') prices[1] = prices[0];
    if (plant === 'REGULAR_PRICE_PATTERN') [prices[1], prices[2]] = [prices[0] + 1_000_000n, prices[0] + 2_000_000n];
    if (plant === 'CLOSE_TO_CEILING') prices.forEach((_, i) => (prices[i] = ceilingFen - BigInt(int(150)) * (ceilingFen / 10000n)));
    if (plant === 'PRICE_SCREEN') prices.forEach((_, i) => (prices[i] = (ceilingFen * BigInt(8500 + int(60))) / 10000n));
    const bids = bidders.map((id, i) => {
      const f = byId.get(id)!;
      return {
        bidId: uuid(0xb1, t * o.bidsPerTender + i),
        organizationId: id,
        status: 'DECRYPTED',
        receivedAt: Date.UTC(2026, 0, 1) + t * 3_600_000 + i * 600_000 + int(600_000),
        ip: f.ip,
        deviceId: plant === 'SAME_DEVICE' && i === 1 ? byId.get(bidders[0])!.deviceId : f.deviceId,
        macAddresses: [f.mac],
        documentAuthor: plant === 'SAME_DOCUMENT_AUTHOR' && i === 1 ? byId.get(bidders[0])!.author : f.author,
        attachmentSha256s: [plant === 'IDENTICAL_ATTACHMENT' && i === 1 ? sha(`${tenderId}-0`) : sha(`${tenderId}-${i}`)],
        price: fromFen(prices[i]),
      };
    });
    const payments = bidders.map((id, i) => {
      const f = byId.get(id)!;
      const payer = plant === 'SAME_PAYER_ACCOUNT' && i === 1 ? byId.get(bidders[0])!.basicAccountNo : f.basicAccountNo;
      return { organizationId: id, payerAccountNo: payer, payerName: f.name, payerIsBasicAccount: payer === f.basicAccountNo, txnId: `T${t}-${i}` };
    });
    const scores: ScoreRecord[] = [];
    if (plant === 'EXPERT_SCORING_ANOMALY' || r() < SCORED_SHARE) {
      for (let m = 0; m < 5; m++) {
        bids.forEach((b, i) => {
          const favour = plant === 'EXPERT_SCORING_ANOMALY' && m === 0 && i === 2 ? 30 : 0;
          scores.push({
            memberId: `m${t}-${m}`,
            expertId: uuid(0xe0, m),
            memberKind: 'EXPERT',
            bidId: b.bidId,
            organizationId: b.organizationId,
            total: 50 + ((i * 7) % 30) + int(7) + favour,
          });
        });
      }
    }
    inputs.push({
      tenderId,
      regime: 'ENGINEERING',
      category: CATEGORIES[t % CATEGORIES.length],
      priceCeiling: fromFen(ceilingFen),
      bids,
      organizations: bidders.map((id) => {
        const f = byId.get(id)!;
        return { id, name: f.name, legalRepresentative: f.legalRepresentative, basicAccountNo: f.basicAccountNo };
      }),
      payments,
      tenderDocumentSha256s: [sha(`doc-${tenderId}`)],
      scores,
      maxTotalScore: scores.length ? 100 : 0,
    });
    // The award: the lowest price wins (the ring's turn-taker is its lowest).
    let w = 0;
    prices.forEach((p, i) => (p < prices[w] ? (w = i) : undefined));
    history.push({
      tenderId,
      awardedAt: Date.UTC(2026, 0, 1) + t * 3_600_000,
      winnerOrganizationId: bidders[w],
      bids: bids.map((b) => ({ organizationId: b.organizationId, price: b.price })),
    });
  }
  return { firms, inputs, history, planted, historyPlanted, rings, serialLosers, sharedRepPairs };
}

function evaluate(data: Dataset, tenderFlags: FlagDraft[][], historyFlags: FlagDraft[]) {
  const recall: FlagsBenchResult['recall'] = {};
  const fired = new Map<string, Set<string>>(); // tenderId → codes
  data.inputs.forEach((inp, i) => fired.set(inp.tenderId, new Set(tenderFlags[i].map((f) => f.code))));
  for (const [p] of PLANTS) {
    const tenders = [...data.planted.entries()].filter(([, k]) => k === p).map(([id]) => id);
    recall[p] = { planted: tenders.length, found: tenders.filter((id) => fired.get(id)!.has(p)).length };
  }
  const ringSets = data.rings.map((ring) => [...ring].sort().join(','));
  const rotations = new Set(historyFlags.filter((f) => f.code === FlagCode.BID_ROTATION).map((f) => f.bidderIds.join(',')));
  const ringFlags = new Set(historyFlags.filter((f) => f.code === FlagCode.CO_BIDDING_RING).map((f) => f.bidderIds.join(',')));
  recall.CO_BIDDING_RING = { planted: ringSets.length, found: ringSets.filter((s) => ringFlags.has(s)).length };
  recall.BID_ROTATION = { planted: ringSets.length, found: ringSets.filter((s) => rotations.has(s)).length };
  const losers = new Set(historyFlags.filter((f) => f.code === FlagCode.SERIAL_LOSER).map((f) => f.bidderIds[0]));
  recall.SERIAL_LOSER = { planted: data.serialLosers.length, found: data.serialLosers.filter((id) => losers.has(id)).length };
  // Shared legal representatives fire only where both firms bid: count those tenders.
  const pairsIn = data.inputs.filter((inp) => data.sharedRepPairs.some(([a, b]) => inp.bids.some((x) => x.organizationId === a) && inp.bids.some((x) => x.organizationId === b)));
  recall.SAME_LEGAL_REPRESENTATIVE = { planted: pairsIn.length, found: pairsIn.filter((inp) => fired.get(inp.tenderId)!.has(FlagCode.SAME_LEGAL_REPRESENTATIVE)).length };

  const clean = data.inputs.filter((inp) => !data.planted.has(inp.tenderId) && !data.historyPlanted.has(inp.tenderId) && !pairsIn.includes(inp));
  const cleanFireRate: Record<string, number> = {};
  for (const inp of clean) for (const c of fired.get(inp.tenderId)!) cleanFireRate[c] = (cleanFireRate[c] ?? 0) + 1;
  for (const c of Object.keys(cleanFireRate)) cleanFireRate[c] = Math.round((10000 * cleanFireRate[c]) / clean.length) / 10000;
  return { recall, cleanFireRate };
}

const ms = (t0: bigint) => Math.round(Number(process.hrtime.bigint() - t0) / 1e5) / 10;

/** FlagInputsRepository.marketPrices over the synthetic inputs: a market's tenders, their decrypted prices. */
function inMemoryMarketPrices(inputs: TenderFlagInput[], market: Market): MarketPrices[] {
  return inputs
    .filter((inp) => inp.category === market.category && inp.regime === market.regime)
    .map((inp) => ({ tenderId: inp.tenderId, prices: inp.bids.filter((b) => b.status === 'DECRYPTED' && b.price !== null).map((b) => b.price as string) }));
}

/** Writes the dataset into the real tables (set-based inserts with unnest). */
async function insertDataset(ds: DataSource, data: Dataset, log: (l: string) => void): Promise<void> {
  await ds.query(`TRUNCATE organizations, users, tenders, bids, bid_security_accounts, bid_security_payments, awards, collusion_flags, audit_events RESTART IDENTITY CASCADE`);
  const q = (sql: string, cols: unknown[][]) => ds.query(sql, cols);
  await q(
    `INSERT INTO organizations (id, name, uscc, kind, legal_representative, basic_account_bank, basic_account_no)
     SELECT id, name, substr(md5(id::text), 1, 18), 'BIDDER', rep, '中国工商银行', acct FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS x(id, name, rep, acct)`,
    [data.firms.map((f) => f.id), data.firms.map((f) => f.name), data.firms.map((f) => f.legalRepresentative), data.firms.map((f) => f.basicAccountNo)],
  );
  const [pe] = await ds.query(
    `INSERT INTO organizations (name, uscc, kind, legal_representative, basic_account_bank, basic_account_no) VALUES ('盐城市基准招标人', 'PEBENCHFLAGS000001', 'PROCURING_ENTITY', '招标人', '中国银行', '1') RETURNING id`,
  );
  const [user] = await ds.query(`INSERT INTO users (username, password_hash, role, organization_id) VALUES ('bench-flags', 'x', 'PROCURING_ENTITY', $1) RETURNING id`, [pe.id]);
  const firmUser = new Map<string, string>();
  const users: Array<{ id: string; organization_id: string }> = await ds.query(
    `INSERT INTO users (username, password_hash, role, organization_id) SELECT 'bf-' || id, 'x', 'BIDDER', id FROM unnest($1::uuid[]) AS x(id) RETURNING id, organization_id`,
    [data.firms.map((f) => f.id)],
  );
  users.forEach((u) => firmUser.set(u.organization_id, u.id));
  const inputs = data.inputs;
  for (let i = 0; i < inputs.length; i += 2000) {
    const chunk = inputs.slice(i, i + 2000);
    await q(
      `INSERT INTO tenders (id, procuring_entity_id, created_by, title, category, regime, method, budget, price_ceiling, bid_deadline, bid_security_amount,
                            decryption_mode, decryption_window_minutes, evaluation_method, panel_size, status, published_at, opened_at)
       SELECT id, $2, $3, '基准测试工程', category, 'ENGINEERING', 'OPEN', ceiling, ceiling, now() - interval '10 days', 0, 'ESCROW', 30,
              'LOWEST_EVALUATED_PRICE', 5, 'AWARDED', now() - interval '40 days', now() - interval '10 days'
       FROM unnest($1::uuid[], $4::numeric[], $5::text[]) AS x(id, ceiling, category)`,
      [chunk.map((t) => t.tenderId), pe.id, user.id, chunk.map((t) => t.priceCeiling), chunk.map((t) => t.category)] as unknown[][],
    );
    const bids = chunk.flatMap((t) => t.bids.map((b) => ({ t: t.tenderId, b })));
    await q(
      `INSERT INTO bids (id, tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment, ciphertext_sha256, ciphertext_bytes,
                         received_at, signature, ip, device_id, mac_addresses, document_author, opened_at, decrypted_at, decrypted_by, price, attachments)
       SELECT id, tid, org, usr, 1, 'DECRYPTED', '\\x00', '\\x000000000000000000000000', repeat('a', 64), repeat('b', 64), 1,
              to_timestamp(rms / 1000.0), 's', ip, dev, ARRAY[mac], author, now() - interval '10 days', now() - interval '10 days', 'ESCROW', price,
              jsonb_build_array(jsonb_build_object('name', '技术标.pdf', 'sha256', att))
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::numeric[], $11::text[])
            AS x(id, tid, org, usr, rms, ip, dev, mac, author, price, att)`,
      [
        bids.map((x) => x.b.bidId),
        bids.map((x) => x.t),
        bids.map((x) => x.b.organizationId),
        bids.map((x) => firmUser.get(x.b.organizationId)),
        bids.map((x) => x.b.receivedAt),
        bids.map((x) => x.b.ip),
        bids.map((x) => x.b.deviceId),
        bids.map((x) => x.b.macAddresses[0]),
        bids.map((x) => x.b.documentAuthor),
        bids.map((x) => x.b.price),
        bids.map((x) => x.b.attachmentSha256s[0]),
      ] as unknown[][],
    );
    const pays = chunk.flatMap((t) => t.payments.map((p, k) => ({ t: t.tenderId, p, k })));
    await q(
      `WITH acc AS (
         INSERT INTO bid_security_accounts (tender_id, bidder_organization_id, virtual_account_no)
         SELECT tid, org, 'VA' || md5(tid::text || org::text) FROM unnest($1::uuid[], $2::uuid[]) AS x(tid, org)
         RETURNING id, tender_id, bidder_organization_id, virtual_account_no)
       INSERT INTO bid_security_payments (txn_id, body_sha256, virtual_account_no, account_id, tender_id, bidder_organization_id, amount, payer_account_no,
                                          payer_name, payer_is_basic_account, paid_at, received_at, classification)
       SELECT x.txn, repeat('c', 64), acc.virtual_account_no, acc.id, x.tid, x.org, 1000, x.payer, x.pname, x.basic, now() - interval '20 days', now() - interval '20 days', 'ACCEPTED'
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::boolean[]) AS x(tid, org, txn, payer, pname, basic)
       JOIN acc ON acc.tender_id = x.tid AND acc.bidder_organization_id = x.org`,
      [
        pays.map((x) => x.t),
        pays.map((x) => x.p.organizationId),
        pays.map((x) => x.p.txnId),
        pays.map((x) => x.p.payerAccountNo),
        pays.map((x) => x.p.payerName),
        pays.map((x) => x.p.payerIsBasicAccount),
      ] as unknown[][],
    );
    const hist = data.history.slice(i, i + 2000);
    await q(
      `INSERT INTO awards (tender_id, bid_id, awardee_organization_id, awardee_name, price, rank, status, notice_no, notice_issued_at, contract_due_at)
       SELECT x.tid, b.id, x.org, '中标人', b.price, 1, 'NOTIFIED', 'ZB-' || x.tid, to_timestamp(x.ams / 1000.0), now() + interval '30 days'
       FROM unnest($1::uuid[], $2::uuid[], $3::float8[]) AS x(tid, org, ams)
       JOIN bids b ON b.tender_id = x.tid AND b.bidder_organization_id = x.org`,
      [hist.map((h) => h.tenderId), hist.map((h) => h.winnerOrganizationId), hist.map((h) => h.awardedAt)] as unknown[][],
    );
    log(`  inserted ${Math.min(i + 2000, inputs.length)} / ${inputs.length} tenders`);
  }
  await ds.query(`ANALYZE`);
}

export async function runFlagsBench(opts: FlagsBenchOptions = {}): Promise<FlagsBenchResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const o = { tenders: opts.tenders ?? 10_000, bidsPerTender: opts.bidsPerTender ?? 10, firms: opts.firms ?? 2_000, seed: opts.seed ?? 20261127 };
  log(`[flags] synthesising ${o.tenders} tenders × ${o.bidsPerTender} bids over ${o.firms} firms (seed ${o.seed})`);
  const data = synthesize(o);

  // The engine as FlagsService runs it: each tender's price screen calibrated on its market without itself.
  let t0 = process.hrtime.bigint();
  const engineCalibrations = new MarketCalibrations(async (market) => inMemoryMarketPrices(data.inputs, market));
  const markets: Record<string, number> = {};
  for (const c of CATEGORIES) markets[`ENGINEERING|${c}`] = (await engineCalibrations.history({ category: c, regime: 'ENGINEERING' })).tenders;
  const calibrationMs = ms(t0);
  t0 = process.hrtime.bigint();
  const calibrations: MarketCalibration[] = [];
  const tenderFlags: FlagDraft[][] = [];
  for (const inp of data.inputs) {
    const calibration = await engineCalibrations.forTender({ tenderId: inp.tenderId, category: inp.category!, regime: inp.regime });
    calibrations.push(calibration);
    tenderFlags.push(computeTenderFlags(inp, { calibration, priceScreen: BENCH_PRICE_SCREEN }));
  }
  const tenderFlagsMs = ms(t0);
  const calibratedTenders = calibrations.filter((c) => c.source === 'market').length;
  t0 = process.hrtime.bigint();
  const historyFlags = computeHistoryFlags(data.history);
  const historyFlagsMs = ms(t0);
  const counts: Record<string, number> = {};
  for (const f of [...tenderFlags.flat(), ...historyFlags]) counts[f.code] = (counts[f.code] ?? 0) + 1;
  log(`[flags] engine: market calibrations ${calibrationMs} ms (${JSON.stringify(markets)}), tender flags ${tenderFlagsMs} ms, history flags ${historyFlagsMs} ms`);
  const { recall, cleanFireRate } = evaluate(data, tenderFlags, historyFlags);

  let db: FlagsBenchResult['db'] = null;
  if (opts.db !== false) {
    const url = opts.databaseUrl ?? benchDatabaseUrl('ebidding_bench_flags');
    const config = AppConfig.fromEnvironment({ NODE_ENV: 'development', DATABASE_URL: url });
    await prepareDatabase(config, undefined, { recreate: true });
    const ds = new DataSource({ ...dataSourceOptions(config), logging: false, extra: { max: 4 } });
    await ds.initialize();
    try {
      t0 = process.hrtime.bigint();
      await insertDataset(ds, data, log);
      const insertSeconds = Math.round(ms(t0) / 100) / 10;
      const repo = new FlagInputsRepository();
      const ids = data.inputs.map((i) => i.tenderId);
      const total0 = process.hrtime.bigint();
      t0 = process.hrtime.bigint();
      const loaded: StoredTenderFlagInput[] = [];
      for (let i = 0; i < ids.length; i += 2000) loaded.push(...(await repo.tenderInputs(ds.manager, ids.slice(i, i + 2000))).values());
      const history = await repo.awardHistory(ds.manager);
      const loadMs = ms(t0);
      t0 = process.hrtime.bigint();
      const dbCalibrations = new MarketCalibrations((market, minDistinct) => repo.marketPrices(ds.manager, market, minDistinct));
      for (const c of CATEGORIES) await dbCalibrations.history({ category: c, regime: 'ENGINEERING' });
      const dbCalibrationMs = ms(t0);
      t0 = process.hrtime.bigint();
      const drafts: FlagDraft[] = [];
      for (const inp of loaded) {
        const calibration = await dbCalibrations.forTender({ tenderId: inp.tenderId, category: inp.category, regime: inp.regime });
        drafts.push(...computeTenderFlags(inp, { calibration, priceScreen: BENCH_PRICE_SCREEN }));
      }
      const hist = computeHistoryFlags(history);
      const computeMs = ms(t0);
      t0 = process.hrtime.bigint();
      await ds.transaction(async (m) => {
        await flagStore.replaceTenderFlags(m, ids, drafts);
        await flagStore.replaceHistoryFlags(m, hist);
      });
      const storeMs = ms(t0);
      const totalMs = ms(total0);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM collusion_flags`);
      // One tender at a time, as the flag job (FlagsService.computeTenderIn) runs it: a fresh run, so its market's
      // history is loaded and calibrated for that one tender. (The job also appends one audit event.)
      const jobTimes: number[] = [];
      for (const id of [ids[1], ids[ids.length >> 2], ids[ids.length >> 1], ids[(3 * ids.length) >> 2], ids[ids.length - 2]]) {
        const j0 = process.hrtime.bigint();
        await ds.transaction(async (m) => {
          await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`collusion-flags:${id}`]);
          const input = (await repo.tenderInput(m, id))!;
          const run = new MarketCalibrations((market, minDistinct) => repo.marketPrices(m, market, minDistinct));
          const calibration = await run.forTender({ tenderId: id, category: input.category, regime: input.regime });
          await flagStore.replaceTenderFlags(m, [id], computeTenderFlags(input, { calibration, priceScreen: BENCH_PRICE_SCREEN }));
        });
        jobTimes.push(ms(j0));
      }
      const singleTenderJobMs = jobTimes.sort((a, b) => a - b)[2];
      db = { insertSeconds, loadMs, calibrationMs: dbCalibrationMs, computeMs, storeMs, totalMs, flagsStored: n, singleTenderJobMs };
      log(
        `[flags] db: load ${loadMs} ms, market calibrations ${dbCalibrationMs} ms, compute ${computeMs} ms, store ${storeMs} ms, total ${totalMs} ms ` +
          `(${n} flags; data inserted in ${insertSeconds} s); one tender as the job computes it: ${singleTenderJobMs} ms (median of ${jobTimes.join(', ')})`,
      );
      if (loaded.length !== data.inputs.length || history.length !== data.history.length) {
        throw new Error(`loaded ${loaded.length} tenders / ${history.length} awards, expected ${data.inputs.length}`);
      }
    } finally {
      await ds.destroy();
    }
  }
  const cpu = cpus();
  return {
    name: 'collusion-flags',
    tenders: o.tenders,
    bids: o.tenders * o.bidsPerTender,
    firms: o.firms,
    engine: { calibrationMs, tenderFlagsMs, historyFlagsMs, totalMs: Math.round((calibrationMs + tenderFlagsMs + historyFlagsMs) * 10) / 10, flags: counts },
    calibration: { markets, calibratedTenders, fallbackTenders: calibrations.length - calibratedTenders },
    db,
    recall,
    cleanFireRate,
    node: process.version,
    cpus: `${cpu[0]?.model ?? 'unknown'} × ${cpu.length}`,
  };
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runFlagsBench({ tenders: arg('tenders'), bidsPerTender: arg('bids-per-tender'), firms: arg('firms'), db: !process.argv.includes('--no-db') })
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    });
}
