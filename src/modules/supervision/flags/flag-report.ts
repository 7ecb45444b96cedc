import { beijingTimeLabel } from 'src/common/time/beijing-time';
import { type PdfDocumentSpec } from 'src/infra/pdf/pdf-renderer.service';
import { FLAG_CATALOGUE, SEVERITY_NAME } from './engine';
import type { FlagView } from './flags.service';

export interface FlagReportTender {
  id: string;
  title: string;
  regime: string;
  status: string;
  procuringEntityName: string;
  /** ISO-8601 UTC; printed in Beijing time. */
  openedAt: string | null;
}

const REGIME_NAME: Record<string, string> = { ENGINEERING: '工程建设项目招标投标', GOV_PROCUREMENT: '政府采购' };
const MAX_EVIDENCE_CHARS = 1200;

/**
 * The flag report (串通投标监测报告) a supervisor files: summary table, evidence per flag, and what it is not. Every
 * instant is printed in Beijing time, as in the other filed documents; the JSON API keeps ISO-8601 UTC.
 */
export function flagReportSpec(tender: FlagReportTender, flags: FlagView[], issuedAt: Date): PdfDocumentSpec {
  const latest = flags.reduce<string | null>((a, f) => (a === null || f.computedAt > a ? f.computedAt : a), null);
  const names = (f: FlagView) => (f.bidders.length ? f.bidders.map((b) => b.name).join('、') : '—');
  return {
    title: '串通投标监测报告',
    subtitle: tender.title,
    footer: `电子招标投标交易平台 · 串通投标监测报告 · 项目 ${tender.id}`,
    blocks: [
      {
        kind: 'fields',
        fields: [
          ['项目名称', tender.title],
          ['项目编号', tender.id],
          ['招标人', tender.procuringEntityName],
          ['交易类别', REGIME_NAME[tender.regime] ?? tender.regime],
          ['项目状态', tender.status],
          ['开标时间', tender.openedAt ? beijingTimeLabel(tender.openedAt) : '—'],
          ['监测计算时间', latest ? beijingTimeLabel(latest) : '尚未计算'],
          ['报告生成时间', beijingTimeLabel(issuedAt)],
          ['监测结果', flags.length ? `共 ${flags.length} 项预警` : '未发现预警'],
        ],
      },
      { kind: 'heading', text: '一、预警汇总' },
      flags.length
        ? {
            kind: 'table',
            table: {
              columns: [
                { header: '序号', width: 5, align: 'center' },
                { header: '预警类型', width: 26 },
                { header: '等级', width: 6, align: 'center' },
                { header: '涉及投标人', width: 28 },
                { header: '法律依据', width: 35 },
              ],
              rows: flags.map((f, i) => [String(i + 1), `${FLAG_CATALOGUE[f.code]?.name ?? f.code}（${f.code}）`, SEVERITY_NAME[f.severity], names(f), f.legalBasis]),
            },
          }
        : { kind: 'paragraph', text: '本项目开标后未发现串通投标预警。' },
      { kind: 'heading', text: '二、证据明细' },
      ...flags.flatMap((f, i) => [
        {
          kind: 'paragraph' as const,
          text: `${i + 1}. ${FLAG_CATALOGUE[f.code]?.name ?? f.code}（${f.code}，等级：${SEVERITY_NAME[f.severity]}，范围：${f.scope === 'TENDER' ? '本项目' : '历史交易'}）`,
        },
        { kind: 'paragraph' as const, text: `涉及投标人：${names(f)}${f.expertIds.length ? `；涉及评标专家：${f.expertIds.join('、')}` : ''}` },
        { kind: 'paragraph' as const, text: `证据：${evidenceText(f.evidence)}` },
      ]),
      { kind: 'heading', text: '三、说明' },
      {
        kind: 'paragraph',
        text:
          '本报告由交易平台根据投标文件元数据（设备机器码、MAC地址、IP地址、文档作者、附件哈希）、投标保证金缴纳账户、单位负责人登记信息、' +
          '开标后的投标报价、评标评分及历史交易数据自动生成，仅为监督部门提供线索和证据，不构成认定结论。' +
          '是否构成串通投标、以他人名义投标或弄虚作假，由行政监督部门依照《招标投标法》第五十三条、第五十四条及《招标投标法实施条例》' +
          '第三十九条至第四十二条、第六十七条、第六十八条调查认定。',
      },
    ],
  };
}

/** An ISO-8601 UTC instant as the API writes it (e.g. a rotation's awardedAt in the evidence). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** The evidence as JSON, with every instant in it shown in Beijing time. */
export function evidenceText(evidence: Record<string, unknown>): string {
  const s = JSON.stringify(evidence, (_k, v: unknown) => (typeof v === 'string' && ISO_INSTANT.test(v) ? beijingTimeLabel(v) : v));
  return s.length > MAX_EVIDENCE_CHARS ? `${s.slice(0, MAX_EVIDENCE_CHARS)}…（完整证据见 GET /tenders/{id}/flags）` : s;
}
