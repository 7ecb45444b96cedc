import { toFen } from 'src/common/money/money';
import { type PdfDocumentSpec } from 'src/infra/pdf/pdf-renderer.service';
import { type StatisticsView } from './statistics.types';

/** An amount in 万元 with 2 decimals, rounded half up, from the exact decimal string (bigint fen, no floats). */
export function wanYuan(amount: string): string {
  const fen = toFen(amount);
  const h = (fen + 5_000n) / 10_000n; // 1 万元 = 1,000,000 fen: hundredths of 万元 = fen / 10,000
  const s = h.toString().padStart(3, '0');
  return `${group(s.slice(0, -2))}.${s.slice(-2)}`;
}

const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The geometry of a bar (never printed): 万元 as a float is fine for drawing. */
const wanValue = (amount: string) => Number(toFen(amount)) / 1_000_000;

const percent = (rate: string | null) => {
  if (rate === null) return '—';
  const bp = BigInt(rate.replace('.', '').replace(/^(-?)0+(?=\d)/, '$1')); // 4 decimals → basis points of 1
  const neg = bp < 0n;
  const abs = neg ? -bp : bp;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}%`;
};

/**
 * The yearbook section (年报) as a filed document: the figures, bars by month (tenders, turnover) and the shares by
 * category, in Chinese. Days and months are 北京时间.
 */
export function statisticsReport(s: StatisticsView, centreName: string, generatedAt: string): PdfDocumentSpec {
  const months = s.byMonth.map((m) => ({ ...m, label: s.byMonth.length > 12 ? m.month : `${Number(m.month.slice(5))}月` }));
  return {
    title: `${centreName}交易统计年报`,
    subtitle: `统计期间：${s.from} 至 ${s.to}（北京时间）`,
    footer: `电子招标投标交易平台 · 交易统计 · 生成于 ${generatedAt}（北京时间）`,
    blocks: [
      { kind: 'heading', text: '一、主要指标' },
      {
        kind: 'table',
        table: {
          columns: [
            { header: '指标', width: 40 },
            { header: '数值', width: 30, align: 'right' },
            { header: '口径', width: 60 },
          ],
          rows: [
            ['发布招标项目数（个）', String(s.tenders), '期间内发布招标公告的项目'],
            ['成交项目数（个）', String(s.awarded), '期间内发出中标通知书的项目'],
            ['成交金额（万元）', wanYuan(s.turnover), '成交项目中标价之和'],
            ['招标项目预算（万元）', wanYuan(s.budgetTotal), '期间内发布项目的预算之和'],
            ['资金节约率', percent(s.savingsRate), '（预算 − 中标价）÷ 预算，按成交项目合计'],
            ['电子化交易率', percent(s.electronicShare), '全流程电子化交易的项目占比'],
            ['平均交易周期（日历天）', s.averageCycleDays === null ? '—' : s.averageCycleDays.toFixed(1), '招标公告发布至中标通知书发出'],
            ['受到处罚的单位 / 评标专家', `${s.penalties.organizations} / ${s.penalties.experts}`, '期间内作出处理决定的不良行为记录'],
          ],
        },
      },
      { kind: 'heading', text: '二、按月统计' },
      {
        kind: 'barChart',
        title: '各月发布招标项目数',
        unit: '个',
        bars: months.map((m) => ({ label: m.label, value: m.tenders, valueLabel: String(m.tenders) })),
        color: '#1f5fa8',
        integer: true,
      },
      {
        kind: 'barChart',
        title: '各月成交金额',
        unit: '万元',
        bars: months.map((m) => ({ label: m.label, value: wanValue(m.turnover), valueLabel: wanYuan(m.turnover) })),
        color: '#d9822b',
      },
      {
        kind: 'table',
        table: {
          columns: [
            { header: '月份', width: 20 },
            { header: '发布项目数（个）', width: 25, align: 'right' },
            { header: '成交金额（万元）', width: 30, align: 'right' },
          ],
          rows: s.byMonth.map((m) => [m.month, String(m.tenders), wanYuan(m.turnover)]),
        },
      },
      { kind: 'heading', text: '三、按交易类别统计' },
      {
        kind: 'shareChart',
        title: '成交金额构成（按交易类别）',
        parts: s.byCategory.map((c) => ({ label: c.name, value: wanValue(c.turnover), valueLabel: `${wanYuan(c.turnover)}万元` })),
      },
      {
        kind: 'shareChart',
        title: '招标项目数构成（按交易类别）',
        parts: s.byCategory.map((c) => ({ label: c.name, value: c.tenders, valueLabel: `${c.tenders}个` })),
      },
      {
        kind: 'table',
        table: {
          columns: [
            { header: '交易类别', width: 40 },
            { header: '发布项目数（个）', width: 25, align: 'right' },
            { header: '成交金额（万元）', width: 30, align: 'right' },
          ],
          rows: s.byCategory.map((c) => [c.name, String(c.tenders), wanYuan(c.turnover)]),
        },
      },
      ...(s.bySubClass?.length
        ? [
            { kind: 'heading' as const, text: '四、分类电子化交易率' },
            {
              kind: 'table' as const,
              table: {
                columns: [
                  { header: '类别', width: 40 },
                  { header: '电子化交易（个）', width: 25, align: 'right' as const },
                  { header: '线下交易（个）', width: 25, align: 'right' as const },
                  { header: '电子化交易率', width: 25, align: 'right' as const },
                ],
                rows: s.bySubClass.map((c) => [c.name, String(c.electronic), String(c.offline), percent(c.electronicShare)]),
              },
            },
          ]
        : []),
      {
        kind: 'paragraph',
        text:
          '说明：本报告由平台根据交易数据实时统计生成，日期与月份均按北京时间计算。发布项目数按招标公告发布日期统计，成交项目数与成交金额按中标通知书发出日期统计；' +
          '已被取消中标资格的中标不计入。本平台上的项目均为全流程电子化交易（《电子招标投标办法》第七条）；电子化交易率 = 电子化交易项目 ÷（电子化交易项目 + 在交易中心登记的线下交易项目），线下项目按交易日期统计。' +
          '统计数据不含任何未开标项目的投标信息。',
      },
    ],
  };
}
