import { toFen } from 'src/common/money/money';
import { type MarketCalibration, MarketHistory, MIN_DISTINCT_BIDS } from '../screens';
import { type Regime } from './engine';
import type { MarketPrices } from './flag-inputs.repository';

export interface Market {
  category: string;
  regime: Regime;
}

/** Loads a market's price history (FlagInputsRepository.marketPrices in the caller's transaction, or synthetic data). */
export type MarketPricesLoader = (market: Market, minDistinct: number) => Promise<MarketPrices[]>;

/**
 * The price screen's calibration per market, for one run of the flag computation (a job, a batch, the benchmark):
 * each market's history is loaded and its screens computed once, then every tender of the run is calibrated on
 * that history without itself (MarketHistory.calibrationExcluding). A market is the tenders of one category under
 * one regime: honest bids are dispersed differently for works and for goods, under a price ceiling or not
 * (market-calibration.ts). Below MIN_CALIBRATION_TENDERS eligible tenders the fixed defaults apply ('fallback').
 *
 * Not shared between runs: a new run sees the tenders opened since.
 */
export class MarketCalibrations {
  private readonly histories = new Map<string, Promise<MarketHistory>>();

  constructor(private readonly load: MarketPricesLoader) {}

  /** The calibration of the tender's market on its history without the tender itself. */
  async forTender(tender: { tenderId: string; category: string; regime: Regime }): Promise<MarketCalibration> {
    return (await this.history(tender)).calibrationExcluding(tender.tenderId);
  }

  /** The market's history, loaded on first use. */
  history(market: Market): Promise<MarketHistory> {
    const key = `${market.regime}|${market.category}`;
    let h = this.histories.get(key);
    if (!h) {
      h = this.load(market, MIN_DISTINCT_BIDS).then((rows) =>
        // Prices in fen, as the engine scores them (the screens are scale-free ratios).
        MarketHistory.fromBids(rows.map((r) => ({ id: r.tenderId, bids: r.prices.map((p) => Number(toFen(p))) }))),
      );
      this.histories.set(key, h);
      h.catch(() => this.histories.delete(key)); // a failed load is not cached
    }
    return h;
  }

  /** Markets loaded so far (for logs and the benchmark). */
  get size(): number {
    return this.histories.size;
  }
}
