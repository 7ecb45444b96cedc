import { Card, Col, Empty, Row, Segmented } from 'antd';
import { DataTable } from '@/components/oversight/DataTable';
import { useState } from 'react';
import type { Statistics } from '@/api/oversight-types';
import { formatWan, yuanNumber } from '@/lib/oversight-format';
import { categoryText } from '@/lib/oversight-text';

type Metric = 'tenders' | 'turnover';

const COLOR = '#b71c1c';
const COLOR_HOVER = '#7f0000';

/**
 * The yearbook's charts, drawn as plain SVG (no chart library: this chunk is a few KB): tenders or turnover by month
 * (vertical bars) and by category (horizontal bars). Each bar is focusable and tells its figures on hover or focus;
 * the exact figures are in the tables under the charts.
 */
export default function StatisticsCharts({ stats }: { stats: Statistics }) {
  const [metric, setMetric] = useState<Metric>('turnover');
  const months = [...stats.byMonth].sort((a, b) => a.month.localeCompare(b.month));
  const cats = [...stats.byCategory].sort((a, b) => (metric === 'tenders' ? b.tenders - a.tenders : yuanNumber(b.turnover) - yuanNumber(a.turnover)));
  return (
    <section aria-label="统计图表" style={{ marginTop: 24 }}>
      <Segmented<Metric>
        aria-label="图表指标"
        value={metric}
        onChange={setMetric}
        options={[
          { value: 'turnover', label: '交易金额' },
          { value: 'tenders', label: '项目数' },
        ]}
        style={{ marginBottom: 16 }}
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card size="small" title={`按月${metric === 'tenders' ? '交易项目数' : '交易金额'}`}>
            {months.length ? <MonthChart rows={months} metric={metric} /> : <Empty description="本期无数据" />}
            <DataTable
              aria-label="按月统计"
              size="small"
              rowKey="month"
              style={{ marginTop: 12 }}
              dataSource={months}
              columns={[
                { title: '月份', dataIndex: 'month', render: (m: string) => monthLabel(m) },
                { title: '项目数', dataIndex: 'tenders', align: 'right' },
                { title: '交易金额', dataIndex: 'turnover', align: 'right', render: (t: string) => formatWan(t) },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card size="small" title={`按行业分类${metric === 'tenders' ? '交易项目数' : '交易金额'}`}>
            {cats.length ? <CategoryChart rows={cats} metric={metric} /> : <Empty description="本期无数据" />}
            <DataTable
              aria-label="按行业分类统计"
              size="small"
              rowKey="category"
              style={{ marginTop: 12 }}
              dataSource={cats}
              columns={[
                { title: '类别', dataIndex: 'category', render: (c: string) => categoryText(c) },
                { title: '项目数', dataIndex: 'tenders', align: 'right' },
                { title: '交易金额', dataIndex: 'turnover', align: 'right', render: (t: string) => formatWan(t) },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </section>
  );
}

const monthLabel = (m: string) => `${m.slice(0, 4)}年${Number(m.slice(5, 7))}月`;
const valueOf = (r: { tenders: number; turnover: string }, metric: Metric) => (metric === 'tenders' ? r.tenders : yuanNumber(r.turnover));

/** A "nice" axis maximum and its ticks (1, 2, 2.5, 5 × 10^n steps). */
function axis(max: number, ticks = 4): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * pow).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(v);
  return out;
}

function short(v: number, metric: Metric): string {
  if (metric === 'tenders') return String(Math.round(v));
  if (v >= 1e8) return `${+(v / 1e8).toFixed(1)}亿`;
  if (v >= 1e4) return `${+(v / 1e4).toFixed(0)}万`;
  return String(Math.round(v));
}

function MonthChart({ rows, metric }: { rows: Statistics['byMonth']; metric: Metric }) {
  const [hover, setHover] = useState<number | null>(null);
  const W = 640;
  const H = 260;
  const pad = { l: 52, r: 8, t: 28, b: 36 };
  const ticks = axis(Math.max(...rows.map((r) => valueOf(r, metric))));
  const top = ticks[ticks.length - 1];
  const bw = (W - pad.l - pad.r) / rows.length;
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / top);
  const h = hover === null ? null : rows[hover];
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="按月交易统计图" style={{ display: 'block', maxHeight: 320 }}>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} stroke="#eee" />
          <text x={pad.l - 6} y={y(t) + 4} fontSize={11} textAnchor="end" fill="#888">
            {short(t, metric)}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const v = valueOf(r, metric);
        const x = pad.l + i * bw + bw * 0.15;
        const label = `${monthLabel(r.month)}：${r.tenders} 个项目，交易金额 ${formatWan(r.turnover)}`;
        return (
          <g
            key={r.month}
            tabIndex={0}
            role="img"
            aria-label={label}
            onMouseEnter={() => setHover(i)}
            onMouseLeave={() => setHover(null)}
            onFocus={() => setHover(i)}
            onBlur={() => setHover(null)}
            style={{ cursor: 'pointer', outline: 'none' }}
          >
            <title>{label}</title>
            <rect x={pad.l + i * bw} y={pad.t} width={bw} height={H - pad.t - pad.b} fill={hover === i ? '#fafafa' : 'transparent'} />
            <rect x={x} y={y(v)} width={bw * 0.7} height={Math.max(0, y(0) - y(v))} fill={hover === i ? COLOR_HOVER : COLOR} rx={2} />
            {rows.length <= 12 || i % 2 === 0 ? (
              <text x={pad.l + i * bw + bw / 2} y={H - pad.b + 16} fontSize={11} textAnchor="middle" fill="#555">
                {Number(r.month.slice(5, 7))}月
              </text>
            ) : null}
          </g>
        );
      })}
      <line x1={pad.l} x2={W - pad.r} y1={y(0)} y2={y(0)} stroke="#999" />
      {h && (
        <text x={W - pad.r} y={16} fontSize={12} textAnchor="end" fill="#333">
          {monthLabel(h.month)}　项目 {h.tenders} 个　金额 {formatWan(h.turnover)}
        </text>
      )}
    </svg>
  );
}

function CategoryChart({ rows, metric }: { rows: Statistics['byCategory']; metric: Metric }) {
  const [hover, setHover] = useState<number | null>(null);
  const W = 480;
  const row = 30;
  const pad = { l: 150, r: 90, t: 8 };
  const H = pad.t * 2 + rows.length * row;
  const max = Math.max(...rows.map((r) => valueOf(r, metric)), 1);
  const total = rows.reduce((n, r) => n + valueOf(r, metric), 0) || 1;
  const w = (v: number) => ((W - pad.l - pad.r) * v) / max;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="按行业分类交易统计图" style={{ display: 'block' }}>
      {rows.map((r, i) => {
        const v = valueOf(r, metric);
        const yTop = pad.t + i * row;
        const label = `${categoryText(r.category)}：${r.tenders} 个项目，交易金额 ${formatWan(r.turnover)}`;
        return (
          <g
            key={r.category}
            tabIndex={0}
            role="img"
            aria-label={label}
            onMouseEnter={() => setHover(i)}
            onMouseLeave={() => setHover(null)}
            onFocus={() => setHover(i)}
            onBlur={() => setHover(null)}
            style={{ cursor: 'pointer', outline: 'none' }}
          >
            <title>{label}</title>
            <text x={pad.l - 8} y={yTop + row / 2 + 4} fontSize={12} textAnchor="end" fill="#333">
              {clip(categoryText(r.category), 11)}
            </text>
            <rect x={pad.l} y={yTop + 5} width={Math.max(1, w(v))} height={row - 10} fill={hover === i ? COLOR_HOVER : COLOR} rx={2} />
            <text x={pad.l + Math.max(1, w(v)) + 6} y={yTop + row / 2 + 4} fontSize={11} fill="#555">
              {metric === 'tenders' ? `${v} 个` : short(v, metric)} · {((v / total) * 100).toFixed(1)}%
            </text>
          </g>
        );
      })}
    </svg>
  );
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
