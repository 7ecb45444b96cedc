import { Alert, Button, Card, Descriptions, Empty, Space, Spin, Table, Tag, Typography } from 'antd';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, saveBlob } from '@/api/client';
import { ApiError, errorText } from '@/api/errors';
import type { Amendment, Tender, TenderDocument } from '@/api/types';
import { useAuth } from '@/auth/AuthContext';
import { Countdown } from '@/components/Countdown';
import { TenderStatusTag } from '@/components/StatusTag';
import { BID_STATUS, CATEGORY, DECRYPTION_MODE, EVALUATION_METHOD, label, METHOD, REGIME, yuan } from '@/lib/labels';
import { formatBeijing, formatBeijingLabel } from '@/lib/time';
// The owner's forms (amend, cancel, award…) load only for the tender's procuring entity: the public page stays light.
const OwnerActions = lazy(() => import('./OwnerActions').then((m) => ({ default: m.OwnerActions })));

interface OpeningRecordView {
  /** `lotNo`: the bid's 标段, on a tender with lots only. */
  bids: Array<{ seq: number; bidId: string; bidderName: string; lotNo?: number; price: string | null; status: string; receivedAt: string }>;
  windowClosedAt: string;
  recordSha256: string;
}

/** GET /tenders/{id}/candidates: the public candidate notice (中标候选人公示). */
interface Candidates {
  endsAt?: string | null;
  content?: { candidates?: Array<{ rank: number; bidderName: string; price: string; score?: string | number | null }> };
}

/** GET /tenders/{id}/lots/results (a tender with lots): each lot's standing; `publicity` null when it has no notice. */
interface LotResult {
  lotNo: number;
  status: string;
  publicity?: { kind: string; status: string; endsAt: string } | null;
}

/** The opening record exists once the decryption window has closed (the tender has left OPENING). */
const recordReady = (t: Tender) => !!t.openedAt && !['DRAFT', 'PUBLISHED', 'OPENING'].includes(t.status);

/** /tenders/<id> — the public tender page; owner actions for its procuring entity, links for bidders. */
export default function TenderDetailPage() {
  const { id = '' } = useParams();
  const { me } = useAuth();
  const [tender, setTender] = useState<Tender | null>(null);
  const [docs, setDocs] = useState<TenderDocument[]>([]);
  const [amendments, setAmendments] = useState<Amendment[]>([]);
  const [record, setRecord] = useState<OpeningRecordView | null>(null);
  const [recordError, setRecordError] = useState<string | null>(null);
  const [candidates, setCandidates] = useState<Candidates | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);

  const load = useCallback(async () => {
    try {
      const t = await api.get<Tender>(`/tenders/${id}`);
      setTender(t);
      setError(null);
      const [d, a] = await Promise.all([api.get<{ items: TenderDocument[] }>(`/tenders/${id}/documents`), api.get<{ items: Amendment[] }>(`/tenders/${id}/amendments`)]);
      setDocs(d.items);
      setAmendments(a.items);
      // The opening record, once the decryption window has closed: loaded at once for the owner and supervisors,
      // who may always read it; others ask for it with a button (readable by the tender's bidders, and by everyone
      // where API.md Additions v1.1 serves it without a token) — so no page load ends in a 401/403.
      if (recordReady(t) && (me?.role === 'SUPERVISOR' || (me?.role === 'PROCURING_ENTITY' && me.organizationId === t.procuringEntityId))) {
        api.get<OpeningRecordView>(`/tenders/${id}/opening-record`).then(setRecord, (e) => setRecordError(errorText(e)));
      }
      if (['PUBLICITY', 'AWARDED', 'CONTRACTED'].includes(t.status)) {
        const notice = () => api.get<Candidates>(`/tenders/${id}/candidates`).then(setCandidates, () => setCandidates(null));
        // The notice shown is lot 1's (the v1 path). On a tender with lots, lot 1 may have none (failed, or another lot
        // published first: a 404), so GET /tenders/{id}/lots/results says first whether it has one.
        if (!t.lots.length) void notice();
        else
          api.get<LotResult[]>(`/tenders/${id}/lots/results`).then(
            (r) => (r.find((l) => l.lotNo === 1)?.publicity ? notice() : setCandidates(null)),
            () => setCandidates(null),
          );
      }
    } catch (e) {
      setError(e as Error);
    }
  }, [id, me]);

  useEffect(() => {
    void load();
  }, [load]);

  const loadRecord = async () => {
    setRecordError(null);
    try {
      setRecord(await api.get<OpeningRecordView>(`/tenders/${id}/opening-record`));
    } catch (e) {
      setRecordError(e instanceof ApiError && (e.status === 401 || e.status === 403) ? '开标记录仅向参加开标的投标人、招标人和监管人员公开，请登录后查看。' : errorText(e));
    }
  };

  if (error && !tender) {
    const notFound = error instanceof ApiError && (error.status === 404 || error.code === 'VALIDATION_FAILED');
    return <Alert type="error" showIcon title={notFound ? '未找到该招标项目' : errorText(error)} />;
  }
  if (!tender) return <Spin style={{ display: 'block', margin: '64px auto' }} />;

  const isOwner = me?.role === 'PROCURING_ENTITY' && me.organizationId === tender.procuringEntityId;
  const isBidder = me?.role === 'BIDDER';
  const currentDocs = docs.filter((d) => d.current);
  // 标段: the record names each bid's lot on a tender with lots; its bids are then listed lot by lot.
  const recordLots = !!record?.bids.some((b) => b.lotNo !== undefined);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Typography.Title level={1} style={{ fontSize: 26, marginBottom: 8 }}>
          {tender.title}
        </Typography.Title>
        <Space wrap>
          <span aria-label="项目状态">
            <TenderStatusTag status={tender.status} suspended={tender.suspended} />
          </span>
          <Tag>{label(CATEGORY, tender.category)}</Tag>
          <Tag>{label(REGIME, tender.regime)}</Tag>
          <Tag>{label(METHOD, tender.method)}</Tag>
        </Space>
      </div>

      <Card size="small">
        <Space orientation="vertical" size={4}>
          <Typography.Text>
            投标截止时间（开标时间）：<strong data-testid="bid-deadline">{formatBeijingLabel(tender.bidDeadline)}</strong>
          </Typography.Text>
          {tender.status === 'PUBLISHED' && !tender.suspended && <Countdown until={tender.bidDeadline} label="距投标截止" testId="deadline-countdown" />}
          {tender.status === 'OPENING' && tender.decryptionWindowEndsAt && (
            <Typography.Text>
              解密截止：{formatBeijingLabel(tender.decryptionWindowEndsAt)}（<Countdown until={tender.decryptionWindowEndsAt} label="解密剩余" />）
            </Typography.Text>
          )}
          {tender.statusReason && <Typography.Text type="secondary">状态说明：{tender.statusReason}</Typography.Text>}
          <Space wrap style={{ marginTop: 8 }}>
            {isBidder && tender.status === 'PUBLISHED' && (
              <Link to={`/tenders/${tender.id}/bid`}>
                <Button type="primary">投标</Button>
              </Link>
            )}
            {(isBidder || isOwner || me?.role === 'SUPERVISOR') && (tender.status === 'PUBLISHED' || tender.openedAt) && (
              <Link to={`/tenders/${tender.id}/opening`}>
                <Button>开标大厅</Button>
              </Link>
            )}
          </Space>
        </Space>
      </Card>

      {isOwner && (
        <Suspense fallback={<Spin />}>
          <OwnerActions tender={tender} documents={docs} onChanged={load} />
        </Suspense>
      )}

      <Card title="项目信息" size="small">
        <Descriptions className="tender-meta" column={{ xs: 1, sm: 1, md: 2 }} size="small">
          <Descriptions.Item label="预算（元）">{yuan(tender.budget)}</Descriptions.Item>
          <Descriptions.Item label="最高投标限价（元）">{tender.priceCeiling ? yuan(tender.priceCeiling) : '未设'}</Descriptions.Item>
          <Descriptions.Item label="投标保证金（元）">{yuan(tender.bidSecurityAmount)}</Descriptions.Item>
          <Descriptions.Item label="解密方式">
            {label(DECRYPTION_MODE, tender.decryption.mode)}，解密时限 {tender.decryption.windowMinutes} 分钟
          </Descriptions.Item>
          <Descriptions.Item label="评标办法">{label(EVALUATION_METHOD, tender.evaluation.method)}</Descriptions.Item>
          <Descriptions.Item label="评标委员会">
            {tender.panel.size} 人（{tender.panel.specialties.map((s) => `${s.code}×${s.count}`).join('、')}）
          </Descriptions.Item>
          {tender.publishedAt && <Descriptions.Item label="发布时间">{formatBeijingLabel(tender.publishedAt)}</Descriptions.Item>}
          {tender.lots.length > 0 && <Descriptions.Item label="标段">{tender.lots.map((l) => `${l.lotNo}. ${l.title}（${yuan(l.budget)}）`).join('；')}</Descriptions.Item>}
        </Descriptions>
        {tender.evaluation.factors.length > 0 && (
          <Table
            aria-label="评审因素"
            size="small"
            rowKey="code"
            pagination={false}
            style={{ marginTop: 8 }}
            dataSource={tender.evaluation.factors}
            columns={[
              { title: '评审因素', dataIndex: 'name' },
              { title: '代码', dataIndex: 'code' },
              { title: '分值', dataIndex: 'maxScore', align: 'right' },
            ]}
            footer={() => (tender.evaluation.priceWeight ? `价格分权重：${Number(tender.evaluation.priceWeight) * 100}%` : null)}
          />
        )}
        {tender.description && <Typography.Paragraph style={{ marginTop: 12, whiteSpace: 'pre-wrap' }}>{tender.description}</Typography.Paragraph>}
      </Card>

      <Card title="招标文件" size="small">
        {currentDocs.length ? (
          <ul className="item-list" aria-label="招标文件列表">
            {currentDocs.map((d) => (
              <li key={d.id}>
                <div className="item-main">
                  <Typography.Text strong>{d.name}</Typography.Text>
                  <div className="mono item-sub">
                    第{d.version}版 · {(d.sizeBytes / 1024).toFixed(1)} KB · SHA-256 {d.sha256.slice(0, 16)}…
                  </div>
                </div>
                <Button size="small" aria-label={`下载 ${d.name}`} onClick={async () => saveBlob(await api.blob(`/tenders/${tender.id}/documents/${d.id}/content`), d.name)}>
                  下载
                </Button>
              </li>
            ))}
          </ul>
        ) : (
          <Empty description="暂无招标文件" image={Empty.PRESENTED_IMAGE_SIMPLE} />
        )}
      </Card>

      <Card title="澄清与修改" size="small">
        {amendments.length ? (
          <ul className="item-list" aria-label="澄清与修改列表">
            {amendments.map((a) => (
              <li key={a.id}>
                <div className="item-main">
                  <Typography.Text strong>{`第${a.seq}号 · ${formatBeijing(a.publishedAt)}`}</Typography.Text>
                  <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: '4px 0' }}>{a.text}</Typography.Paragraph>
                  {a.deadlineMoved && (
                    <Typography.Text type="warning">
                      投标截止时间由 {formatBeijing(a.previousBidDeadline)} 顺延至 {formatBeijing(a.bidDeadline)}
                    </Typography.Text>
                  )}
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <Empty description="暂无澄清或修改" image={Empty.PRESENTED_IMAGE_SIMPLE} />
        )}
      </Card>

      {!record && recordReady(tender) && (
        <Card title="开标记录" size="small">
          <Space orientation="vertical">
            <Button onClick={loadRecord}>查看开标记录</Button>
            {recordError && <Alert type="warning" showIcon title={recordError} />}
          </Space>
        </Card>
      )}

      {record && (
        <Card title="开标记录" size="small">
          <Table
            aria-label="开标记录"
            size="small"
            rowKey="bidId"
            pagination={false}
            scroll={{ x: 'max-content' }}
            dataSource={recordLots ? [...record.bids].sort((x, y) => (x.lotNo ?? 1) - (y.lotNo ?? 1) || x.seq - y.seq) : record.bids}
            columns={[
              { title: '序号', dataIndex: 'seq' },
              ...(recordLots ? [{ title: '标段', dataIndex: 'lotNo', render: (n: number | undefined) => `第 ${n ?? 1} 标段` }] : []),
              { title: '投标人', dataIndex: 'bidderName' },
              { title: '投标报价（元）', dataIndex: 'price', align: 'right', render: (p: string | null) => yuan(p) },
              { title: '状态', dataIndex: 'status', render: (s: string) => label(BID_STATUS, s) },
            ]}
          />
          <Typography.Text type="secondary" className="mono">
            解密结束：{formatBeijingLabel(record.windowClosedAt)} · 记录摘要 SHA-256 {record.recordSha256.slice(0, 16)}…
          </Typography.Text>
        </Card>
      )}

      {candidates?.content?.candidates && candidates.content.candidates.length > 0 && (
        <Card title="中标候选人公示" size="small">
          <Table
            aria-label="中标候选人"
            size="small"
            rowKey="rank"
            pagination={false}
            dataSource={candidates.content.candidates}
            columns={[
              { title: '排名', dataIndex: 'rank' },
              { title: '中标候选人', dataIndex: 'bidderName' },
              { title: '投标报价（元）', dataIndex: 'price', align: 'right', render: (p: string) => yuan(p) },
            ]}
          />
          {candidates.endsAt && <Typography.Text type="secondary">公示截止：{formatBeijingLabel(candidates.endsAt)}</Typography.Text>}
        </Card>
      )}
    </Space>
  );
}
