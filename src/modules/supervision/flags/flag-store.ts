import { type EntityManager } from 'typeorm';
import { type FlagDraft } from './engine';

/** Bulk writes of flags: one statement for any number of rows (jsonb_to_recordset). */
export async function insertFlags(m: EntityManager, scope: 'TENDER' | 'HISTORY', drafts: Array<FlagDraft & { tenderId: string | null }>): Promise<void> {
  for (let i = 0; i < drafts.length; i += 5000) {
    const rows = drafts.slice(i, i + 5000).map((d) => ({
      scope,
      tender_id: d.tenderId,
      tender_ids: d.tenderIds,
      code: d.code,
      severity: d.severity,
      bidder_ids: d.bidderIds,
      expert_ids: d.expertIds,
      evidence: d.evidence,
      legal_basis: d.legalBasis,
    }));
    await m.query(
      `INSERT INTO collusion_flags (scope, tender_id, tender_ids, code, severity, bidder_ids, expert_ids, evidence, legal_basis, computed_at)
       SELECT scope, tender_id, tender_ids, code, severity, bidder_ids, expert_ids, evidence, legal_basis, clock_timestamp()
       FROM jsonb_to_recordset($1::jsonb) AS x(scope text, tender_id uuid, tender_ids uuid[], code text, severity text,
                                               bidder_ids uuid[], expert_ids uuid[], evidence jsonb, legal_basis text)`,
      [JSON.stringify(rows)],
    );
  }
}

/** Replaces the TENDER-scope flags of these tenders (recomputing is idempotent: the same inputs give the same rows). */
export async function replaceTenderFlags(m: EntityManager, tenderIds: string[], drafts: FlagDraft[]): Promise<void> {
  await m.query(`DELETE FROM collusion_flags WHERE scope = 'TENDER' AND tender_id = ANY($1::uuid[])`, [tenderIds]);
  await insertFlags(
    m,
    'TENDER',
    drafts.map((d) => ({ ...d, tenderId: d.tenderIds[0] })),
  );
}

/** Replaces every HISTORY-scope flag. R024/R058/R030/R035/R036 flags belong to one tender; serial losers, rings, rotations and R038 to none. */
export async function replaceHistoryFlags(m: EntityManager, drafts: FlagDraft[]): Promise<void> {
  await m.query(`DELETE FROM collusion_flags WHERE scope = 'HISTORY'`);
  await insertFlags(
    m,
    'HISTORY',
    drafts.map((d) => ({ ...d, tenderId: d.tenderIds.length === 1 && isPerTender(d) ? d.tenderIds[0] : null })),
  );
}

const PER_TENDER_HISTORY_CODES = new Set<string>([
  'PRICE_CLOSE_TO_WINNING_BID',
  'HEAVILY_DISCOUNTED_BID',
  'LATE_BID_WON',
  'ALL_EXCEPT_WINNER_DISQUALIFIED',
  'LOWEST_BID_DISQUALIFIED',
]);
const isPerTender = (d: FlagDraft) => PER_TENDER_HISTORY_CODES.has(d.code);
