import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Regime } from './engine';
import type { Market } from './market-calibrations';

/** A market's model as stored: `model` is the serialized model (serializeModel), checked against MODEL_FORMAT by the caller. */
export interface StoredScreenModelRow {
  id: string;
  version: number;
  trainedAt: Date;
  model: Record<string, unknown>;
}

/** A new version of a market's model, with what it was trained on. */
export interface NewScreenModel {
  version: number;
  trainingSha256: string;
  trainingSize: number;
  positives: number;
  cvAuc: number;
  selected: string;
  threshold: number;
  featureNames: string[];
  /** serializeModel(model) */
  model: Record<string, unknown>;
  triggerCaseId: string | null;
}

/** A tender of the market with a closed case: collusive when one of its closed cases decided a COLLUSION penalty. */
export interface CaseLabel {
  tenderId: string;
  collusive: boolean;
}

/**
 * Owns `collusion_screen_models` (the learning price screen's models, one version per labelled set). The labels are
 * read from this module's cases and penalties; three statements are read models over `tenders` (its regime and
 * category: the market), declared as such. Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class ScreenModelsRepository {
  /** One training of a market at a time. */
  async lockMarket(m: EntityManager, marketKey: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`collusion-screen-model:${marketKey}`]);
  }

  /** Read model (tenders): the market of a tender, or null for an unknown tender. */
  async marketOf(m: EntityManager, tenderId: string): Promise<Market | null> {
    const [t]: Array<{ regime: Regime; category: string }> = await m.query(`SELECT regime, category FROM tenders WHERE id = $1`, [tenderId]);
    return t ? { regime: t.regime, category: t.category } : null;
  }

  /** The version already trained on this labelled set, or null. */
  async versionTrainedOn(m: EntityManager, market: Market, trainingSha256: string): Promise<number | null> {
    const [same]: Array<{ version: number }> = await m.query(`SELECT version FROM collusion_screen_models WHERE regime = $1 AND category = $2 AND training_sha256 = $3`, [
      market.regime,
      market.category,
      trainingSha256,
    ]);
    return same ? same.version : null;
  }

  /** Stores a new version; returns its id. */
  async insert(m: EntityManager, market: Market, model: NewScreenModel): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO collusion_screen_models (regime, category, version, training_sha256, training_size, positives, cv_auc, selected, threshold, feature_names, model, trigger_case_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        market.regime,
        market.category,
        model.version,
        model.trainingSha256,
        model.trainingSize,
        model.positives,
        model.cvAuc,
        model.selected,
        model.threshold,
        model.featureNames,
        JSON.stringify(model.model),
        model.triggerCaseId,
      ],
    );
    return row.id;
  }

  /** The newest version of the market's model, or null. */
  async latest(m: EntityManager, market: Market): Promise<StoredScreenModelRow | null> {
    const [row]: Array<{ id: string; version: number; trained_at: Date; model: Record<string, unknown> }> = await m.query(
      `SELECT id, version, trained_at, model FROM collusion_screen_models WHERE regime = $1 AND category = $2 ORDER BY version DESC LIMIT 1`,
      [market.regime, market.category],
    );
    return row ? { id: row.id, version: row.version, trainedAt: row.trained_at, model: row.model } : null;
  }

  /**
   * Read model (tenders): every tender of the market with a CLOSED supervision case, labelled collusive when one of
   * its closed cases decided a COLLUSION penalty; by tender id.
   */
  async caseLabels(m: EntityManager, market: Market): Promise<CaseLabel[]> {
    const rows: Array<{ tender_id: string; collusive: boolean }> = await m.query(
      `SELECT c.tender_id,
              bool_or(EXISTS (SELECT 1 FROM supervision_penalties p WHERE p.case_id = c.id AND p.ground = 'COLLUSION')) AS collusive
       FROM supervision_cases c JOIN tenders t ON t.id = c.tender_id
       WHERE c.status = 'CLOSED' AND t.regime = $1 AND t.category = $2
       GROUP BY c.tender_id ORDER BY c.tender_id`,
      [market.regime, market.category],
    );
    return rows.map((r) => ({ tenderId: r.tender_id, collusive: r.collusive }));
  }

  /** Read model (tenders): how many tenders of the market have a CLOSED supervision case. */
  async closedCaseTenderCount(m: EntityManager, market: Market): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await m.query(
      `SELECT count(DISTINCT c.tender_id)::int AS n FROM supervision_cases c JOIN tenders t ON t.id = c.tender_id
       WHERE c.status = 'CLOSED' AND t.regime = $1 AND t.category = $2`,
      [market.regime, market.category],
    );
    return n;
  }
}
