import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEventMap, OnEvent } from 'src/common/events/domain-events';
import { toFen } from 'src/common/money/money';
import { AppConfig } from 'src/infra/config/app-config';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { OnTimedEvent, SchedulerService } from '../../scheduling/scheduler.service';
import { MIN_DISTINCT_BIDS } from '../screens';
import { FeatureRecord, STRUCTURAL_FEATURES, tenderFeatures } from '../screens/learning/features';
import {
  deserializeModel,
  explain,
  LabelledTender,
  MIN_TRAINING_TENDERS,
  MODEL_FORMAT,
  ScreenModel,
  serializeModel,
  trainable,
  trainScreenModel,
} from '../screens/learning/screen-model';
import { computePriceScreens } from '../screens/price-screens';
import { LearnedPriceScreen, PriceScreenMode, structuralIndicators, TenderFlagInput } from './engine';
import { FlagInputsRepository } from './flag-inputs.repository';
import { ScreenModelsRepository } from './screen-models.repository';
import type { Market } from './market-calibrations';
import { ScheduledEventEntity } from 'src/modules/scheduling/scheduled-event.entity';

/** The newest stored model of a market. */
export interface StoredScreenModel {
  id: string;
  version: number;
  trainedAt: string;
  model: ScreenModel;
}

export type RetrainResult =
  | { trained: true; version: number; trainingSize: number; cvAuc: number }
  | { trained: false; reason: 'UNCHANGED' | 'TOO_FEW_LABELS' | 'UNKNOWN_TENDER'; labelledTenders: number; version: number | null };

const marketKey = (m: Market) => `${m.regime}/${m.category}`;

/**
 * The learning price screen on the platform (串通投标监测, docs/COLLUSION_SCREENS.md): per market (category under one
 * regime), a model trained on the market's closed supervision cases — label 1 when a closed case of the tender
 * decided a COLLUSION penalty, 0 when its cases closed without one (cleared) — on the screens of each tender's
 * decrypted prices and its structural flags (same device, IP, payer, author...: structural signals first).
 *
 * Retraining is a timed event (ScheduledEventKind.RetrainScreenModel, runAt = now) planned in the transaction that
 * closes a case, so that losing Redis loses no retraining; it runs once, in its own transaction, and is idempotent:
 * the same labelled set (training_sha256) never makes a second version. Below MIN_TRAINING_TENDERS labelled tenders
 * (or five of either label) no model is trained and the market stays zero-shot.
 */
@Injectable()
export class ScreenModelsService {
  private readonly logger = new Logger(ScreenModelsService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly inputs: FlagInputsRepository,
    private readonly scheduler: SchedulerService,
    private readonly config: AppConfig,
    private readonly models: ScreenModelsRepository,
  ) {}

  @OnEvent('SupervisionCaseClosed')
  async onSupervisionCaseClosed(m: EntityManager, { caseId, tenderId }: DomainEventMap['SupervisionCaseClosed']): Promise<void> {
    await this.scheduler.plan(m, { kind: ScheduledEventKind.RetrainScreenModel, subjectId: caseId, tenderId, runAt: await this.tx.now(m) });
  }

  @OnTimedEvent(ScheduledEventKind.RetrainScreenModel)
  async onRetrainScreenModel(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const result = await this.retrainForTender(m, event.tenderId!, event.subjectId);
    this.logger.log(`retraining after case ${event.subjectId}: ${JSON.stringify(result)}`);
  }

  /** Retrains the market of the tender (the market of a closed case), in the caller's transaction. */
  async retrainForTender(m: EntityManager, tenderId: string, triggerCaseId: string | null): Promise<RetrainResult> {
    const market = await this.models.marketOf(m, tenderId);
    if (!market) return { trained: false, reason: 'UNKNOWN_TENDER', labelledTenders: 0, version: null };
    return this.retrain(m, market, triggerCaseId);
  }

  /** Trains a new version of the market's model when its labelled set changed and is large enough. */
  async retrain(m: EntityManager, market: Market, triggerCaseId: string | null = null): Promise<RetrainResult> {
    await this.models.lockMarket(m, marketKey(market));
    const labelled = await this.labelledTenders(m, market);
    const latest = await this.latest(m, market);
    const sha = trainingSha256(labelled);
    if (!trainable(labelled.map((t) => t.label))) return { trained: false, reason: 'TOO_FEW_LABELS', labelledTenders: labelled.length, version: latest?.version ?? null };
    const same = await this.models.versionTrainedOn(m, market, sha);
    if (same !== null) return { trained: false, reason: 'UNCHANGED', labelledTenders: labelled.length, version: latest?.version ?? same };
    const model = await trainScreenModel(labelled.map((t) => ({ id: t.id, features: t.features, label: t.label })));
    const version = (latest?.version ?? 0) + 1;
    const id = await this.models.insert(m, market, {
      version,
      trainingSha256: sha,
      trainingSize: model.trainingSize,
      positives: model.positives,
      cvAuc: model.cvAuc,
      selected: model.selected,
      threshold: model.threshold,
      featureNames: model.featureNames,
      model: serializeModel(model),
      triggerCaseId,
    });
    await this.announceTrained(m, id, market, version, model, sha, triggerCaseId);
    return { trained: true, version, trainingSize: model.trainingSize, cvAuc: model.cvAuc };
  }

  private async announceTrained(m: EntityManager, id: string, market: Market, version: number, model: ScreenModel, sha: string, triggerCaseId: string | null): Promise<void> {
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'COLLUSION_SCREEN_MODEL_TRAINED',
      objectType: 'collusion_screen_model',
      objectId: id,
      data: {
        regime: market.regime,
        category: market.category,
        version,
        trainingSize: model.trainingSize,
        positives: model.positives,
        cvAuc: model.cvAuc,
        selected: model.selected,
        trainingSha256: sha,
        triggerCaseId,
      },
    });
  }

  /**
   * The market's labelled tenders: every tender of the market with a CLOSED supervision case, whose opening is over
   * and which has ≥ 4 distinct decrypted prices; label 1 when one of its closed cases decided a COLLUSION penalty.
   */
  async labelledTenders(m: EntityManager, market: Market): Promise<Array<LabelledTender & { prices: bigint[] }>> {
    const rows = await this.models.caseLabels(m, market);
    const inputs = await this.inputs.tenderInputs(
      m,
      rows.map((r) => r.tenderId),
    );
    const out: Array<LabelledTender & { prices: bigint[] }> = [];
    for (const r of rows) {
      const input = inputs.get(r.tenderId);
      if (!input) continue;
      const features = featuresOf(input);
      if (!features) continue;
      out.push({ id: r.tenderId, label: r.collusive ? 1 : 0, features: features.features, prices: features.prices });
    }
    return out;
  }

  async latest(m: EntityManager, market: Market): Promise<StoredScreenModel | null> {
    const row = await this.models.latest(m, market);
    if (!row || row.model.format !== MODEL_FORMAT) return null;
    return { id: row.id, version: row.version, trainedAt: new Date(row.trainedAt).toISOString(), model: deserializeModel(row.model) };
  }

  /**
   * How the tender's price screen runs: SUPERVISED with the market's newest model, else ZERO_SHOT (validated only
   * for the kinds of market listed in COLLUSION_SCREEN_VALIDATED_MARKETS).
   */
  async priceScreenMode(m: EntityManager, input: TenderFlagInput & { category: string }): Promise<PriceScreenMode> {
    const market = { regime: input.regime, category: input.category };
    const stored = await this.latest(m, market);
    const features = featuresOf(input);
    if (stored && features) {
      const { score, flag, contributions } = await explain(stored.model, features.features);
      const learned: LearnedPriceScreen = {
        score,
        flag,
        threshold: stored.model.threshold,
        contributions,
        model: {
          version: stored.version,
          selected: stored.model.selected,
          trainingSize: stored.model.trainingSize,
          positives: stored.model.positives,
          cvAuc: stored.model.cvAuc,
          trainedAt: stored.trainedAt,
          structuralFeatures: STRUCTURAL_FEATURES.some((f) => stored.model.featureNames.includes(f)),
        },
      };
      return { mode: 'SUPERVISED', learned, modelVersion: stored.version };
    }
    if (stored) return { mode: 'SUPERVISED', learned: null, modelVersion: stored.version };
    const n = await this.models.closedCaseTenderCount(m, market);
    return { mode: 'ZERO_SHOT', validated: this.config.collusionScreenValidatedMarkets.has(marketKey(market)), labelledTenders: n, minLabelledTenders: MIN_TRAINING_TENDERS };
  }

  /** POST-free helper for operations and tests: retrain a market now in its own transaction. */
  async retrainNow(market: Market): Promise<RetrainResult> {
    return this.tx.run((m) => this.retrain(m, market, null));
  }
}

/** The learning screen's features of a tender (prices in fen, as the engine scores them), or null when ineligible. */
export function featuresOf(input: TenderFlagInput): { features: FeatureRecord; prices: bigint[] } | null {
  const prices = input.bids
    .filter((b) => b.status === 'DECRYPTED' && b.price !== null)
    .map((b) => toFen(b.price as string))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bids = prices.map((p) => Number(p));
  const screens = computePriceScreens(bids);
  if (screens.distinct < MIN_DISTINCT_BIDS) return null;
  return { features: tenderFeatures(bids, structuralIndicators(input), screens), prices };
}

/** Identifies a labelled set: the model format, each tender's label and its prices. */
export function trainingSha256(tenders: Array<{ id: string; label: number; prices: bigint[] }>): string {
  const canonical = [...tenders]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((t) => `${t.id}:${t.label}:${t.prices.join(',')}`)
    .join('\n');
  return createHash('sha256').update(`${MODEL_FORMAT}\n${canonical}`).digest('hex');
}
