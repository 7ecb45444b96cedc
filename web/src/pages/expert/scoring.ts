import type { EvaluationFactor, Verdict } from '@/api/oversight-types';

/** The member's verdict on one bid as edited in the sheet. */
export interface Draft {
  qualified: boolean | undefined;
  /** One reason per line. */
  reasons: string;
  grounds: string[];
  scores: Record<string, number | null>;
  dirty: boolean;
}

export function draftOf(v: Verdict | undefined, factors: EvaluationFactor[]): Draft {
  return {
    qualified: v?.qualified,
    reasons: (v?.reasons ?? []).join('\n'),
    grounds: v?.grounds ?? [],
    scores: Object.fromEntries(factors.map((f) => [f.code, v?.factorScores?.[f.code] ?? null])),
    dirty: false,
  };
}

const reasonsOf = (d: Draft) =>
  d.reasons
    .split('\n')
    .map((r) => r.trim())
    .filter(Boolean);

/**
 * The server's rules for a verdict (evaluation-engine.ts checkVerdict), checked before sending: a bid found 不合格
 * needs its reasons (PB12 Art. 42); under 综合评估法 a qualified bid is scored on every published factor, each within
 * its published maximum, with at most 2 decimals (TBR Art. 49). Messages in Chinese, each naming its factor.
 */
export function problemsOf(d: Draft | undefined, scoring: boolean, factors: EvaluationFactor[]): string[] {
  if (!d) return [];
  const out: string[] = [];
  if (d.qualified === undefined) {
    out.push('请选择“合格”或“不合格”');
    return out;
  }
  if (!d.qualified && reasonsOf(d).length === 0 && d.grounds.length === 0) out.push('不合格须写明理由或选择否决情形');
  if (scoring && d.qualified) {
    for (const f of factors) {
      const v = d.scores[f.code];
      if (v === null || v === undefined || Number.isNaN(v)) out.push(`「${f.name}」未评分`);
      else if (v < 0) out.push(`「${f.name}」不得为负数`);
      else if (v > f.maxScore) out.push(`「${f.name}」不得超过满分${f.maxScore}分`);
      else if (!/^\d+(\.\d{1,2})?$/.test(String(v))) out.push(`「${f.name}」最多保留两位小数`);
    }
  }
  return out;
}

/** The body of POST /tenders/{id}/evaluation/scores (API.md). */
export function scoreBody(bidId: string, d: Draft, scoring: boolean, factors: EvaluationFactor[]) {
  const body: { bidId: string; qualified: boolean; reasons?: string[]; grounds?: string[]; factorScores?: Record<string, number> } = {
    bidId,
    qualified: !!d.qualified,
  };
  if (!d.qualified) {
    body.reasons = reasonsOf(d);
    if (d.grounds.length) body.grounds = d.grounds;
  } else if (scoring) {
    body.factorScores = Object.fromEntries(factors.map((f) => [f.code, d.scores[f.code] as number]));
  }
  return body;
}

/** The sum of the factor scores entered so far (hundredths, exact). */
export function subtotal(d: Draft, factors: EvaluationFactor[]): string {
  const cents = factors.reduce((n, f) => n + Math.round((d.scores[f.code] ?? 0) * 100), 0);
  return (cents / 100).toFixed(2);
}
