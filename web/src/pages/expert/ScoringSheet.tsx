import { Alert, App, Button, Card, Checkbox, Col, Descriptions, Input, InputNumber, Modal, Radio, Row, Space, Spin, Tag } from 'antd';
import { Paragraph, Text, Title } from '@/components/oversight/Typo';
import { DataTable } from '@/components/oversight/DataTable';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { api, saveBlob } from '@/api/client';
import type { Clarification, EvaluationBid, EvaluationProgress, MyVerdicts, TenderHead, Verdict } from '@/api/oversight-types';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { formatYuan } from '@/lib/oversight-format';
import { categoryText, REJECTION_GROUND_TEXT } from '@/lib/oversight-text';
import { formatBeijing } from '@/lib/time';
import { Clarifications } from './Clarifications';
import { type Draft, draftOf, problemsOf, scoreBody, subtotal } from './scoring';

interface Loaded {
  tender: TenderHead;
  bids: EvaluationBid[];
  mine: MyVerdicts;
  progress: EvaluationProgress;
  clarifications: Clarification[];
  rules: { curableDeficiencies: boolean; stateFunded: boolean };
}

const SCORE_FIELDS = { qualified: '合格/不合格', reasons: '不合格理由', grounds: '否决情形', factorScores: '评分因素', bidId: '投标' };

/**
 * One tender's scoring sheet (评审表): the opened bids side by side, the member's own verdict per bid — 合格/不合格
 * (reasons required when 不合格, PB12 Art. 42) and, under 综合评估法, a score for every published factor within its
 * published maximum (TBR Art. 49: only the published criteria) — clarification requests, and `签名提交`, which
 * locks the verdicts (MOF87 Art. 64). The same rules are checked here, before sending, and by the server, whose
 * 4xx answers are shown per bid.
 */
export function ScoringSheet({ tenderId, onSigned }: { tenderId: string; onSigned: () => void }) {
  const { message } = App.useApp();
  const [data, setData] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [errors, setErrors] = useState<Record<string, unknown>>({});
  const [saving, setSaving] = useState<string | null>(null);
  const [showProblems, setShowProblems] = useState(false);
  const [signOpen, setSignOpen] = useState(false);
  const [signError, setSignError] = useState<unknown>(null);
  const [signing, setSigning] = useState(false);
  const [dissent, setDissent] = useState('');

  const load = useCallback(async () => {
    try {
      const [tender, bids, mine, progress, clarifications, rules] = await Promise.all([
        api.get<TenderHead>(`/tenders/${tenderId}`),
        api.get<EvaluationBid[]>(`/tenders/${tenderId}/evaluation/bids`),
        api.get<MyVerdicts>(`/tenders/${tenderId}/evaluation/scores/mine`),
        api.get<EvaluationProgress>(`/tenders/${tenderId}/evaluation`),
        api.get<Clarification[]>(`/tenders/${tenderId}/evaluation/clarifications`),
        api.get<{ curableDeficiencies: boolean; stateFunded: boolean }>(`/tenders/${tenderId}/evaluation/rules`),
      ]);
      setData({ tender, bids, mine, progress, clarifications, rules });
      setDrafts((old) => {
        const next: Record<string, Draft> = {};
        for (const b of bids.filter((x) => x.evaluated)) {
          const saved = mine.verdicts.find((v) => v.bidId === b.bidId);
          next[b.bidId] = old[b.bidId]?.dirty ? old[b.bidId] : draftOf(saved, tender.evaluation.factors);
        }
        return next;
      });
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, [tenderId]);
  useEffect(() => {
    void load();
  }, [load]);

  const factors = data?.tender.evaluation.factors ?? [];
  const scoring = data?.tender.evaluation.method === 'COMPREHENSIVE_SCORING';
  const evaluable = useMemo(() => data?.bids.filter((b) => b.evaluated) ?? [], [data]);
  const locked = !!data?.mine.signed;

  const update = (bidId: string, patch: Partial<Draft>) => {
    setDrafts((d) => ({ ...d, [bidId]: { ...d[bidId], ...patch, dirty: true } }));
    setErrors((e) => ({ ...e, [bidId]: null }));
  };

  /** Sends one verdict; returns false (and shows why) when the client or the server refuses it. */
  const save = async (bid: EvaluationBid): Promise<boolean> => {
    const d = drafts[bid.bidId];
    if (problemsOf(d, scoring, factors).length) {
      setShowProblems(true);
      return false;
    }
    setSaving(bid.bidId);
    try {
      const v = await api.post<Verdict>(`/tenders/${tenderId}/evaluation/scores`, scoreBody(bid.bidId, d, scoring, factors));
      setDrafts((all) => ({ ...all, [bid.bidId]: { ...draftOf(v, factors), dirty: false } }));
      setErrors((e) => ({ ...e, [bid.bidId]: null }));
      setData((x) => (x ? { ...x, mine: { ...x.mine, verdicts: [...x.mine.verdicts.filter((y) => y.bidId !== v.bidId), v] } } : x));
      return true;
    } catch (e) {
      setErrors((all) => ({ ...all, [bid.bidId]: e }));
      return false;
    } finally {
      setSaving(null);
    }
  };

  const allProblems = evaluable.flatMap((b) => problemsOf(drafts[b.bidId], scoring, factors).map((p) => `${b.bidderName}：${p}`));

  const startSign = () => {
    setShowProblems(true);
    setSignError(null);
    if (allProblems.length) return;
    setSignOpen(true);
  };

  const sign = async () => {
    setSigning(true);
    setSignError(null);
    try {
      for (const b of evaluable) {
        if (drafts[b.bidId]?.dirty || !data!.mine.verdicts.some((v) => v.bidId === b.bidId)) {
          if (!(await save(b))) throw new Error(`「${b.bidderName}」的评审意见未能保存，请查看该投标下方的提示`);
        }
      }
      await api.post(`/tenders/${tenderId}/evaluation/sign`, dissent.trim() ? { dissent: dissent.trim() } : {});
      setSignOpen(false);
      message.success('已签名提交，评审意见已锁定');
      await load();
      onSigned();
    } catch (e) {
      setSignError(e);
    } finally {
      setSigning(false);
    }
  };

  const downloadReport = async () => {
    try {
      saveBlob(await api.blob(`/tenders/${tenderId}/evaluation-report.pdf`), `评标报告-${tenderId}.pdf`);
    } catch (e) {
      setSignError(e);
    }
  };

  if (loadError) return <ApiErrorAlert error={loadError} />;
  if (!data) return <Spin style={{ display: 'block', margin: '48px auto' }} />;
  const { tender, bids, progress } = data;
  // GET /tenders/{id}/evaluation: COMPLETED (candidates) or FAILED (every bid rejected), each with its signed report.
  const finished = progress.status === 'COMPLETED' || progress.status === 'FAILED';

  return (
    <section aria-label="评审表" style={{ marginTop: 24 }}>
      <Title level={3}>评审表：{tender.title}</Title>
      <Descriptions size="small" bordered column={{ xs: 1, sm: 2, md: 3 }} style={{ marginBottom: 16 }}>
        <Descriptions.Item label="项目类别">{categoryText(tender.category)}</Descriptions.Item>
        <Descriptions.Item label="评标办法">{scoring ? `综合评估法（价格权重 ${tender.evaluation.priceWeight ?? '—'}）` : '经评审的最低投标价法'}</Descriptions.Item>
        <Descriptions.Item label="最高投标限价（元）">{formatYuan(tender.priceCeiling)}</Descriptions.Item>
        <Descriptions.Item label="开标时间">{formatBeijing(tender.openedAt)}</Descriptions.Item>
        <Descriptions.Item label="签名进度">
          已签名 {progress.signed} / 在席 {progress.sitting} 名（应到 {progress.seats} 名）
        </Descriptions.Item>
        <Descriptions.Item label="评标状态">{finished ? '评标已结束' : progress.status === 'AWAITING_COMPETITION_DECISION' ? '待决定是否缺乏竞争' : '评标中'}</Descriptions.Item>
        {scoring && (
          <Descriptions.Item label="评分因素" span={3}>
            {factors.map((f) => `${f.name}（${f.code}，满分${f.maxScore}分）`).join('；')}
          </Descriptions.Item>
        )}
      </Descriptions>

      <Title level={4}>投标文件对比</Title>
      <ComparisonTable bids={bids} />

      <Title level={4} style={{ marginTop: 24 }}>
        评审意见
      </Title>
      {locked && <Alert type="success" showIcon style={{ marginBottom: 12 }} title={`您已于 ${formatBeijing(data.mine.signedAt)}（北京时间）签名提交，评审意见已锁定`} />}
      {showProblems && allProblems.length > 0 && !locked && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title="请先完成评审意见"
          description={
            <ul style={{ margin: 0, paddingInlineStart: 20 }}>
              {allProblems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          }
        />
      )}
      <Row gutter={[16, 16]}>
        {evaluable.map((b) => {
          const d = drafts[b.bidId];
          if (!d) return null;
          const problems = showProblems ? problemsOf(d, scoring, factors) : [];
          return (
            <Col key={b.bidId} xs={24} md={12} xl={8}>
              <Card
                size="small"
                role="group"
                aria-label={`评审：${b.bidderName}`}
                title={b.bidderName}
                extra={d.dirty ? <Tag color="orange">未保存</Tag> : data.mine.verdicts.some((v) => v.bidId === b.bidId) ? <Tag color="green">已保存</Tag> : <Tag>未评审</Tag>}
              >
                <Paragraph style={{ marginBottom: 8 }}>
                  投标报价：<Text strong>{formatYuan(b.price)} 元</Text>
                  {b.aboveCeiling && (
                    <Tag color="red" style={{ marginLeft: 8 }}>
                      超过最高投标限价
                    </Tag>
                  )}
                </Paragraph>
                <Radio.Group
                  aria-label={`${b.bidderName}：资格及符合性审查`}
                  disabled={locked}
                  value={d.qualified}
                  onChange={(e) => update(b.bidId, { qualified: e.target.value })}
                  options={[
                    { label: '合格', value: true },
                    { label: '不合格', value: false },
                  ]}
                />
                {d.qualified === false && (
                  <div style={{ marginTop: 8 }}>
                    <Checkbox.Group
                      disabled={locked}
                      value={d.grounds}
                      onChange={(v) => update(b.bidId, { grounds: v as string[] })}
                      style={{ display: 'flex', flexDirection: 'column', gap: 2, marginBottom: 8 }}
                      options={Object.entries(REJECTION_GROUND_TEXT).map(([value, label]) => ({ value, label }))}
                    />
                    <label htmlFor={`reasons-${b.bidId}`}>不合格理由</label>
                    <Input.TextArea
                      id={`reasons-${b.bidId}`}
                      disabled={locked}
                      rows={3}
                      maxLength={1000}
                      value={d.reasons}
                      placeholder="逐条写明不合格的事实和依据，每行一条"
                      onChange={(e) => update(b.bidId, { reasons: e.target.value })}
                    />
                  </div>
                )}
                {scoring && d.qualified !== false && (
                  <div style={{ marginTop: 12 }}>
                    {factors.map((f) => {
                      const id = `score-${b.bidId}-${f.code}`;
                      const bad = problems.find((p) => p.startsWith(`「${f.name}」`));
                      return (
                        <div key={f.code} style={{ marginBottom: 8 }}>
                          <label htmlFor={id} style={{ display: 'block' }}>
                            {f.name}（满分{f.maxScore}分）
                          </label>
                          <InputNumber
                            id={id}
                            disabled={locked}
                            min={0}
                            step={0.5}
                            style={{ width: '100%' }}
                            status={bad ? 'error' : undefined}
                            value={d.scores[f.code] ?? null}
                            onChange={(v) => update(b.bidId, { scores: { ...d.scores, [f.code]: v === null ? null : Number(v) } })}
                          />
                          {bad && <Text type="danger">{bad}</Text>}
                        </div>
                      );
                    })}
                    <Text type="secondary">评分因素小计：{subtotal(d, factors)} 分（价格分由系统按公式计算）</Text>
                  </div>
                )}
                {problems.length > 0 && (
                  <ul style={{ color: '#cf1322', margin: '8px 0 0', paddingInlineStart: 20 }}>
                    {problems
                      .filter((p) => !factors.some((f) => p.startsWith(`「${f.name}」`)))
                      .map((p) => (
                        <li key={p}>{p}</li>
                      ))}
                  </ul>
                )}
                <div style={{ marginTop: 12 }}>
                  <ApiErrorAlert error={errors[b.bidId]} fields={SCORE_FIELDS} />
                  {!locked && (
                    <Button size="small" loading={saving === b.bidId} onClick={() => void save(b)}>
                      保存
                    </Button>
                  )}
                </div>
              </Card>
            </Col>
          );
        })}
      </Row>

      <Clarifications tenderId={tenderId} bids={evaluable} items={data.clarifications} curable={data.rules.curableDeficiencies} locked={locked} onChange={load} />

      <Card size="small" style={{ marginTop: 24 }}>
        <Space wrap>
          {!locked && (
            <Button type="primary" size="large" onClick={startSign}>
              签名提交
            </Button>
          )}
          {finished && progress.reportVersion !== null && <Button onClick={downloadReport}>下载评标报告（PDF）</Button>}
          <Text type="secondary">
            签名后本人的评审意见即锁定，不得修改（《政府采购货物和服务招标投标管理办法》第六十四条）；对评标结论有不同意见的，可以书面方式阐述并说明理由（《评标委员会和评标方法暂行规定》第四十三条）。
          </Text>
        </Space>
        {!signOpen && (
          <div style={{ marginTop: 12 }}>
            <ApiErrorAlert error={signError} />
          </div>
        )}
      </Card>

      <Modal open={signOpen} title="签名提交评审意见" okText="确认签名" cancelText="取消" okButtonProps={{ loading: signing }} onOk={sign} onCancel={() => setSignOpen(false)}>
        <Paragraph>您将对 {evaluable.length} 个有效投标的评审意见签名。签名后不能修改。</Paragraph>
        <label htmlFor="dissent">保留意见（如有）</label>
        <Input.TextArea
          id="dissent"
          rows={3}
          maxLength={5000}
          value={dissent}
          onChange={(e) => setDissent(e.target.value)}
          placeholder="对评标结论持有异议的，写明不同意见和理由"
        />
        <div style={{ marginTop: 12 }}>
          <ApiErrorAlert error={signError} />
        </div>
      </Modal>
    </section>
  );
}

/** The opened bids side by side: one column per bid, one row per attribute (bidder, price, duration, attachments). */
function ComparisonTable({ bids }: { bids: EvaluationBid[] }) {
  type Row = { key: string; label: string; cells: ReactNode[] };
  const rows: Row[] = [
    { key: 'price', label: '投标报价（元）', cells: bids.map((b) => (b.price === null ? '—' : <Text strong>{formatYuan(b.price)}</Text>)) },
    { key: 'duration', label: '工期（天）', cells: bids.map((b) => b.durationDays ?? '—') },
    {
      key: 'status',
      label: '开标状态',
      cells: bids.map((b) =>
        b.evaluated ? (
          b.aboveCeiling ? (
            <Tag color="red">超过最高投标限价</Tag>
          ) : (
            <Tag color="green">已解密</Tag>
          )
        ) : (
          <Tag>{b.status === 'REVOKED' ? '已撤销（未解密，不予评审）' : b.status === 'WITHDRAWN' ? '已撤回' : b.status}</Tag>
        ),
      ),
    },
    {
      key: 'attachments',
      label: '附件（SHA-256）',
      cells: bids.map((b) =>
        b.attachments?.length ? (
          <Space orientation="vertical" size={0}>
            {b.attachments.map((a) => (
              <span key={a.sha256 + a.name} title={a.sha256}>
                {a.name}{' '}
                <Text type="secondary" style={{ fontSize: 12 }}>
                  {a.sha256.slice(0, 12)}…
                </Text>
              </span>
            ))}
          </Space>
        ) : (
          '—'
        ),
      ),
    },
  ];
  return (
    <DataTable<Row>
      aria-label="投标文件对比"
      size="small"
      bordered
      rowKey="key"
      dataSource={rows}
      columns={[
        { title: '投标人', dataIndex: 'label', width: 140, render: (l: string) => <Text type="secondary">{l}</Text> },
        ...bids.map((b, i) => ({ title: b.bidderName, key: b.bidId, render: (_: unknown, r: Row) => r.cells[i] })),
      ]}
    />
  );
}
