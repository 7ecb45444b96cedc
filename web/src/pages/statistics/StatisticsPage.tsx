import { Alert, Card, Col, DatePicker, Radio, Row, Skeleton, Space, Statistic, Table } from 'antd';
import { Paragraph, Text, Title } from '@/components/oversight/Typo';
import dayjs, { type Dayjs } from 'dayjs';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, API_BASE } from '@/api/client';
import { ApiError } from '@/api/errors';
import type { Statistics } from '@/api/oversight-types';
import { serverNow } from '@/api/server-clock';
import { useAuth } from '@/auth/AuthContext';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { formatPercent, formatWan } from '@/lib/oversight-format';

/** The charts (hand-drawn SVG, no chart library) are a chunk of their own, loaded only on this route. */
const StatisticsCharts = lazy(() => import('./StatisticsCharts'));

type Preset = 'thisYear' | 'lastYear' | 'last12' | 'custom';

/** Today in Beijing (the trading centre's calendar), from the server's clock. */
function beijingToday(): Dayjs {
  const ymd = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(serverNow());
  return dayjs(ymd);
}

function periodOf(p: Exclude<Preset, 'custom'>): [Dayjs, Dayjs] {
  const today = beijingToday();
  if (p === 'thisYear') return [today.startOf('year'), today];
  if (p === 'lastYear') return [today.subtract(1, 'year').startOf('year'), today.subtract(1, 'year').endOf('year')];
  return [today.subtract(11, 'month').startOf('month'), today];
}

const ymd = (d: Dayjs) => d.format('YYYY-MM-DD');

/**
 * /statistics — 统计年报 (UI.md; API.md "Additions (v1.1)" GET /statistics?from=&to=): the trading centre's yearbook
 * figures (tenders, turnover, e-bidding share, average cycle, savings rate) and the charts by month and by category,
 * for a period; the annual report as a PDF. Public; supervisors also see the penalties and the way to their work.
 */
export default function StatisticsPage() {
  const { me } = useAuth();
  const supervisor = me?.role === 'SUPERVISOR';
  const [preset, setPreset] = useState<Preset>('thisYear');
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => periodOf('thisYear'));
  const [stats, setStats] = useState<Statistics | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);

  const from = ymd(range[0]);
  const to = ymd(range[1]);
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    api
      .get<Statistics>('/statistics', { query: { from, to }, signal: ctl.signal })
      .then((s) => setStats(s))
      .catch((e) => {
        if ((e as Error).name !== 'AbortError') {
          setStats(null);
          setError(e);
        }
      })
      .finally(() => setLoading(false));
    return () => ctl.abort();
  }, [from, to]);

  const pdfUrl = `${API_BASE}/statistics.pdf?from=${from}&to=${to}`;

  return (
    <>
      <Title level={2}>统计年报</Title>
      <Paragraph type="secondary">
        本平台公共资源交易数据统计。交易金额为中标（成交）金额；节资率 =（预算 − 中标价）÷ 预算，按已定标项目计算；交易周期为公告发布至定标的日历天数。
      </Paragraph>

      <Card size="small" style={{ marginBottom: 16 }}>
        <Space wrap align="center">
          <Text>统计期间</Text>
          <Radio.Group
            aria-label="统计期间"
            optionType="button"
            value={preset}
            onChange={(e) => {
              const p = e.target.value as Preset;
              setPreset(p);
              if (p !== 'custom') setRange(periodOf(p));
            }}
            options={[
              { value: 'thisYear', label: '本年度' },
              { value: 'lastYear', label: '上年度' },
              { value: 'last12', label: '近12个月' },
              { value: 'custom', label: '自定义' },
            ]}
          />
          {preset === 'custom' && (
            <DatePicker.RangePicker
              aria-label="自定义期间"
              allowClear={false}
              value={range}
              onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])}
              disabledDate={(d) => d.isAfter(beijingToday())}
            />
          )}
          <Text type="secondary">
            {from} 至 {to}
          </Text>
          <a href={pdfUrl} target="_blank" rel="noreferrer">
            下载年报（PDF）
          </a>
        </Space>
      </Card>

      {error instanceof ApiError && error.status === 404 ? (
        <Alert type="warning" showIcon title="统计服务暂不可用" description="服务器未提供统计接口（GET /api/v1/statistics），请联系平台运维人员。" />
      ) : error ? (
        <ApiErrorAlert error={error} />
      ) : null}
      {loading && !stats ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : stats ? (
        <>
          <Row gutter={[16, 16]} role="list" aria-label="年报主要指标">
            <Figure title="交易项目数" value={`${stats.tenders}`} suffix="个" note={`已定标 ${stats.awarded} 个`} />
            <Figure title="交易金额" value={formatWan(stats.turnover)} note={`预算总额 ${formatWan(stats.budgetTotal)}`} />
            <Figure title="电子化招标占比" value={formatPercent(stats.electronicShare, 1)} note="全流程电子化交易项目占比" />
            <Figure title="平均交易周期" value={formatDays(stats.averageCycleDays)} suffix="天" note="公告发布至定标" />
            <Figure title="节资率" value={formatPercent(stats.savingsRate)} note="（预算 − 中标价）÷ 预算" />
          </Row>
          {supervisor && (
            <Alert
              style={{ marginTop: 16 }}
              type="info"
              showIcon
              title={`本期行政处罚：单位 ${stats.penalties.organizations} 家，评标专家 ${stats.penalties.experts} 名`}
              description={<Link to="/supervision">前往监管工作台（预警与案件）</Link>}
            />
          )}
          <Suspense fallback={<Skeleton active style={{ marginTop: 24 }} />}>
            <StatisticsCharts stats={stats} />
          </Suspense>
          {stats.bySubClass && stats.bySubClass.length > 0 && (
            <Card size="small" style={{ marginTop: 16 }} title={`分类电子化交易率（线下交易登记项目 ${stats.offlineProjects ?? 0} 个）`}>
              <Table
                size="small"
                pagination={false}
                rowKey={(r) => `${r.category}-${r.subClass}`}
                dataSource={stats.bySubClass}
                columns={[
                  { title: '类别', dataIndex: 'name' },
                  { title: '电子化交易', dataIndex: 'electronic', align: 'right' },
                  { title: '线下交易', dataIndex: 'offline', align: 'right' },
                  { title: '电子化交易率', dataIndex: 'electronicShare', align: 'right', render: (v: string | null) => formatPercent(v, 1) },
                ]}
              />
            </Card>
          )}
        </>
      ) : null}
    </>
  );
}

function Figure({ title, value, suffix, note }: { title: string; value: string; suffix?: string; note?: string }) {
  return (
    <Col xs={12} md={8} xl={{ flex: '20%' }} role="listitem">
      <Card size="small" style={{ height: '100%' }}>
        <Statistic title={title} value={value} suffix={suffix} styles={{ content: { fontSize: 22 } }} />
        {note && (
          <Text type="secondary" style={{ fontSize: 12 }}>
            {note}
          </Text>
        )}
      </Card>
    </Col>
  );
}

function formatDays(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return Number.isFinite(n) ? n.toFixed(1) : '—';
}
